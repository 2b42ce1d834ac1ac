package io.meshwork.http;

import io.meshwork.core.Mesh;
import io.opentelemetry.context.Context;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/**
 * OkHttp clients that call through the mesh.
 *
 * <pre>{@code
 * OkHttpClient http = MeshHttp.client(mesh);
 * try (Response r = http.newCall(new Request.Builder().url("http://greeter/hello").build()).execute()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>A URL whose host is a service the registry knows is resolved, balanced, retried and
 * deadline-bound by the mesh; any other URL is sent by OkHttp as usual. A mesh rule that stops a
 * call surfaces as {@link MeshIOException}.
 *
 * <p>What it sets on the client: the {@link MeshInterceptor} (first among application
 * interceptors, so the mesh sees the request as the application built it), and a dispatcher
 * whose executor carries the caller's OpenTelemetry context into {@code enqueue()}d calls, so
 * asynchronous calls keep the deadline and the trace. OkHttp's {@code retryOnConnectionFailure}
 * is decided per mesh call by the interceptor (retries happen in the mesh, under its budget, not
 * twice; see {@link MeshInterceptor}); requests to other hosts keep the builder's setting. Derive
 * variants with {@code client.newBuilder()}: they keep both and share the connection pool.
 */
public final class MeshHttp {
  private MeshHttp() {}

  /** A new client for {@code mesh} with OkHttp's defaults otherwise. */
  public static OkHttpClient client(Mesh mesh) {
    return configure(mesh, new OkHttpClient.Builder()).build();
  }

  /**
   * Makes {@code builder} call through {@code mesh}; returns it. Keeps the builder's own
   * dispatcher settings and executor, wrapping the executor for context propagation. Calling it
   * again on the same builder changes nothing.
   */
  public static OkHttpClient.Builder configure(Mesh mesh, OkHttpClient.Builder builder) {
    Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(builder, "builder");
    if (builder.interceptors().stream().anyMatch(i -> i instanceof MeshInterceptor)) {
      return builder;
    }
    builder.interceptors().add(0, new MeshInterceptor(mesh));

    Dispatcher current = builder.build().dispatcher();
    ExecutorService executor = current.executorService();
    if (!(executor instanceof ContextExecutor)) {
      Dispatcher wrapped = new Dispatcher(new ContextExecutor(Context.taskWrapping(executor)));
      wrapped.setMaxRequests(current.getMaxRequests());
      wrapped.setMaxRequestsPerHost(current.getMaxRequestsPerHost());
      builder.dispatcher(wrapped);
    }
    return builder;
  }
}
