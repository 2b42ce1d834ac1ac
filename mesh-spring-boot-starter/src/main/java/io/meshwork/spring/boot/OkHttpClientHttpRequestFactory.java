package io.meshwork.spring.boot;

import java.net.URI;
import java.util.Objects;
import okhttp3.OkHttpClient;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpRequestFactory;

/**
 * A {@link ClientHttpRequestFactory} over an {@link OkHttpClient}, so that {@code RestClient},
 * {@code RestTemplate} and HTTP service clients send through OkHttp, and through the mesh when
 * the client is {@code MeshHttp.client(mesh)}: {@code http://greeter/hello} is then named,
 * balanced, retried, deadline-bound and traced. Spring Framework 7 no longer ships one
 * (its {@code OkHttp3ClientHttpRequestFactory} was deprecated in 6.1 and removed).
 *
 * <p>Requests stream their body: a body the converter can write again ({@code
 * Body.repeatable()}, as for strings, byte arrays and JSON) is sent as a replayable OkHttp body,
 * which the mesh may retry; any other is one-shot, and the mesh does not retry it. Timeouts are the
 * client's (the mesh's deadline, for a mesh client); this factory sets none of its own.
 *
 * <p>Idempotency: a request whose attributes map {@link #IDEMPOTENT} to {@code true} gets mesh-http's
 * {@code Idempotent} request tag, so the mesh may retry it after it reached a server whatever its
 * method, e.g. {@code restClient.post().uri("http://orders/new").attribute(IDEMPOTENT,
 * true).body(order).retrieve()}. {@link Idempotent @Idempotent} on a {@link MeshClient} method sets
 * the attribute for that method's requests.
 *
 * <p>Thread-safe; it holds only the client. Creating a request allocates nothing of OkHttp's until
 * it is executed.
 */
public final class OkHttpClientHttpRequestFactory implements ClientHttpRequestFactory {
  /**
   * The request attribute ({@code RestClient.RequestHeadersSpec.attribute}) that, mapped to {@code
   * true}, tags the OkHttp request {@code io.meshwork.http.Idempotent}: the mesh may retry it as
   * an idempotent request whatever its method.
   */
  public static final String IDEMPOTENT = "io.meshwork.http.Idempotent";

  private final OkHttpClient client;

  public OkHttpClientHttpRequestFactory(OkHttpClient client) {
    this.client = Objects.requireNonNull(client, "client");
  }

  /** The client requests are sent with. */
  public OkHttpClient client() {
    return client;
  }

  @Override
  public ClientHttpRequest createRequest(URI uri, HttpMethod httpMethod) {
    return new OkHttpClientHttpRequest(client, uri, httpMethod);
  }
}
