package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.Mesh;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.RequestBody;
import okhttp3.ResponseBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import retrofit2.Call;
import retrofit2.Response;
import retrofit2.Retrofit;
import retrofit2.http.Body;
import retrofit2.http.GET;
import retrofit2.http.POST;
import retrofit2.http.Query;
import retrofit2.http.Tag;

/**
 * Annotation clients outside Spring: a Retrofit interface over {@code MeshHttp.client(mesh)} with
 * base URL {@code http://greeter/} calls a real mesh server through the mesh.
 */
class RetrofitIntegrationTest {
  private static final MediaType TEXT = MediaType.get("text/plain");

  /** The greeter's API, as an application would write it. */
  interface GreeterApi {
    @GET("hello")
    Call<ResponseBody> hello(@Query("to") String to);

    /** {@code idempotent}: {@link Idempotent#YES} to let the mesh retry this POST, or null. */
    @POST("orders")
    Call<ResponseBody> order(@Body RequestBody item, @Tag Idempotent idempotent);
  }

  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("greeter", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  private final OkHttpClient client = MeshHttp.client(clientMesh);
  private final Backend backend = Backend.start(serverMesh);
  private final GreeterApi greeter = new Retrofit.Builder()
      .baseUrl("http://greeter/")
      .client(client)
      .build()
      .create(GreeterApi.class);

  @AfterEach
  void tearDown() {
    backend.close();
    clientMesh.close();
    serverMesh.close();
    registry.close();
    client.dispatcher().executorService().shutdown();
  }

  @Test
  void aRetrofitInterfaceCallsAMeshServiceThroughTheMesh() throws IOException {
    registry.putService(ServiceConfig.of("greeter", backend.endpoint()));

    Response<ResponseBody> r = greeter.hello("retrofit").execute();

    assertThat(r.code()).isEqualTo(200);
    assertThat(r.body().string()).isEqualTo("ok");
    assertThat(backend.hits.get()).isEqualTo(1);
    assertThat(backend.timeoutHeaders).as("mesh-timeout-ms the server saw").singleElement()
        .satisfies(t -> assertThat(Long.parseLong(t)).isPositive());
    Timer requests = clientMesh.meterRegistry().find("mesh.client.requests").tag("service", "greeter").timer();
    assertThat(requests).isNotNull().extracting(Timer::count).isEqualTo(1L);
  }

  @Test
  void aTagParameterMakesOneCallIdempotent() throws IOException {
    registry.putService(ServiceConfig.of("greeter", backend.endpoint()));

    backend.failFirst(1);
    Response<ResponseBody> retried = greeter.order(RequestBody.create("tea", TEXT), Idempotent.YES).execute();
    assertThat(retried.code()).isEqualTo(200);
    assertThat(backend.hits.get()).isEqualTo(2);

    backend.failFirst(1);
    Response<ResponseBody> once = greeter.order(RequestBody.create("tea", TEXT), null).execute();
    assertThat(once.code()).isEqualTo(503);
    assertThat(backend.hits.get()).as("the untagged POST is sent once").isEqualTo(3);
  }
}
