package io.meshwork.http;

import io.meshwork.core.Mesh;
import io.meshwork.core.WarmUp;
import io.meshwork.tls.MeshTls;
import io.opentelemetry.context.Context;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import okhttp3.Dispatcher;
import okhttp3.Interceptor;
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
 * <p>Mutual TLS: a client of a mesh with an identity ({@code Mesh.Builder.identity}), or given a
 * {@link MeshTls} ({@link #client(Mesh, MeshTls)}), speaks mutual
 * TLS 1.3 to mesh services whenever the registry's mode ({@code mesh.tls}) is strict or
 * permissive, and plaintext when it is disabled; the application keeps writing {@code
 * http://greeter/...}, the mesh sends {@code https://<endpoint>/...}. It accepts only a server
 * whose certificate chains to the trust bundle and names the identity the registry expects for
 * the destination, {@code spiffe://<trust domain>/service/<name>}, in place of host-name
 * verification, and presents the workload's current certificate. A client without an identity
 * speaks plaintext, and its mesh calls fail with {@link IdentityRequiredException}
 * (inside a {@link MeshIOException}) while the mode is strict. Requests to other hosts keep the
 * client's own TLS settings either way.
 *
 * <p>What it sets on the client: the {@link MeshInterceptor} (first among application
 * interceptors, so the mesh sees the request as the application built it); an event listener
 * factory, in front of the builder's own, that records when and in which context each call was
 * made, so that an {@code enqueue()}d call's deadline counts from {@code enqueue()} (time queued
 * in the dispatcher is the caller's time too) and the call keeps the caller's deadline and trace;
 * and a dispatcher whose executor carries the caller's OpenTelemetry context into the callbacks
 * of {@code enqueue()}d calls.
 *
 * <p>The dispatcher's limits: OkHttp's defaults allow 64 asynchronous calls at once and 5 per
 * host. Every call to a mesh service has one host, the service name, so 5 per host would cap a
 * whole service, however many endpoints it has, at 5 asynchronous calls in flight (250 calls a
 * second at 20 ms each) and queue the rest until they time out. The mesh decides admission
 * itself ({@code maxConcurrentRequests}, per destination), so a dispatcher with OkHttp's default
 * limits gets {@value #DISPATCHER_MAX_REQUESTS} for both: the total stays bounded (the dispatcher
 * runs each call on a thread of its own) and no mesh service is held below it. The dispatcher
 * cannot tell a mesh host from another, so other hosts get the same per-host limit. Limits set on
 * the builder's dispatcher by the application are kept (the per-host one then caps each mesh
 * service as a whole). Synchronous {@code execute()} calls never wait in the dispatcher.
 *
 * <p>Retries: GET, HEAD, PUT, DELETE, OPTIONS and TRACE with a replayable body may be retried
 * after they reached a server; any other request only when it provably never left, unless the
 * application tags it {@link Idempotent}: {@code new Request.Builder().post(body).tag(Idempotent.class,
 * Idempotent.YES)}.
 *
 * <p>OkHttp's {@code retryOnConnectionFailure}
 * is decided per mesh call by the interceptor (retries happen in the mesh, under its budget, not
 * twice; see {@link MeshInterceptor}); requests to other hosts keep the builder's setting. Derive
 * variants with {@code client.newBuilder()}: they keep both and share the connection pool.
 */
public final class MeshHttp {
  /**
   * The dispatcher's limits, total and per host, on a mesh client whose dispatcher had OkHttp's
   * defaults: four times a destination's default {@code maxConcurrentRequests} (1024).
   */
  public static final int DISPATCHER_MAX_REQUESTS = 4096;

  /** OkHttp's own defaults, which the mesh raises: see the class comment. */
  private static final int OKHTTP_MAX_REQUESTS = 64;
  private static final int OKHTTP_MAX_REQUESTS_PER_HOST = 5;

  private MeshHttp() {}

  /**
   * A new client for {@code mesh} with OkHttp's defaults otherwise. Its mesh calls speak mutual
   * TLS as the mesh's identity ({@code Mesh.Builder.identity}) whenever the registry's mode is
   * strict or permissive; a mesh without an identity gives a plaintext client, whose mesh calls
   * fail with {@link IdentityRequiredException} while the mode is strict.
   */
  public static OkHttpClient client(Mesh mesh) {
    return configure(mesh, new OkHttpClient.Builder()).build();
  }

  /**
   * A builder for a mesh server of {@code mesh}'s service on the JDK's HTTP server, secured with
   * the mesh's identity when it has one: {@code MeshHttp.server(mesh).port(8080).handler("/",
   * h).start()}. The same as {@link MeshHttpServer#builder}; it reads as {@code
   * MeshGrpc.server(mesh)}.
   */
  public static MeshHttpServer.Builder server(Mesh mesh) {
    return MeshHttpServer.builder(mesh);
  }

  /**
   * A new client for {@code mesh} whose mesh calls speak mutual TLS as {@code tls}'s workload
   * whenever the registry's mode is strict or permissive, plaintext when it is disabled.
   */
  public static OkHttpClient client(Mesh mesh, MeshTls tls) {
    return configure(mesh, tls, new OkHttpClient.Builder()).build();
  }

  /**
   * Makes {@code builder} call through {@code mesh}, with the mesh's identity when it has one (as
   * {@link #client(Mesh)}), else in plaintext; returns it. Keeps the
   * builder's own dispatcher settings and executor, wrapping the executor for context
   * propagation. Calling it again on the same builder (or one derived from a mesh client) with
   * the same mesh changes nothing.
   *
   * @throws IllegalStateException when the builder already calls through another mesh, or
   *     through this one with another identity
   */
  public static OkHttpClient.Builder configure(Mesh mesh, OkHttpClient.Builder builder) {
    Objects.requireNonNull(mesh, "mesh");
    return install(mesh, MeshTls.of(mesh).orElse(null), builder);
  }

  /**
   * Makes {@code builder} call through {@code mesh}, speaking mutual TLS as {@code tls}'s
   * workload to mesh services as the registry's mode says; returns it. The builder's own TLS
   * settings (socket factory, trust manager, host-name verifier) stay in force for other hosts:
   * the mesh sets its own per mesh call. Calling it again with the same mesh and {@code tls}
   * changes nothing.
   *
   * @throws IllegalStateException when the builder already calls through another mesh, or
   *     through this one without {@code tls} or with another {@code MeshTls}
   */
  public static OkHttpClient.Builder configure(Mesh mesh, MeshTls tls, OkHttpClient.Builder builder) {
    Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(tls, "tls");
    return install(mesh, tls, builder);
  }

  /**
   * Opens a connection to every endpoint of {@code service} now, through {@code client} (a mesh
   * client): a {@code HEAD /} request to each, with the mesh's mutual TLS when the registry's
   * mode asks for it, so that the TLS handshakes, the connection set-up and the classes on the
   * way happen before the first call rather than inside its deadline. Call it at start-up, after
   * the registry lists the service. The requests go outside the engine: they are not calls (no
   * balancing, retries, budget or {@code mesh.client.requests}), and any HTTP status counts as
   * reached. The connections stay in the client's pool for the next calls (OkHttp keeps idle
   * connections 5 minutes by default).
   *
   * <p>Blocks until every endpoint answered or failed, each within {@code timeout}.
   *
   * @return which endpoints answered and which could not be reached, and why
   * @throws IllegalArgumentException when {@code client} is not a mesh client, or the registry
   *     does not name {@code service}
   */
  public static WarmUp warmUp(OkHttpClient client, String service, java.time.Duration timeout) {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(timeout, "timeout");
    MeshInterceptor mesh = null;
    for (Interceptor i : client.interceptors()) {
      if (i instanceof MeshInterceptor m) mesh = m;
    }
    if (mesh == null) {
      throw new IllegalArgumentException("client: not a mesh client (expected: one from MeshHttp.client or MeshHttp.configure)");
    }
    io.meshwork.core.Destination destination = mesh.mesh().findDestination(service).orElseThrow(() ->
        new IllegalArgumentException("service: " + service + " (expected: a service the registry names)"));
    java.util.List<io.meshwork.core.model.Address> reached = new java.util.ArrayList<>();
    java.util.Map<io.meshwork.core.model.Address, String> failed = new java.util.LinkedHashMap<>();
    for (io.meshwork.core.EndpointStatus e : destination.endpoints()) {
      io.meshwork.core.model.Address address = e.endpoint().address(); // the engine's name for it
      io.meshwork.core.model.Address target = e.endpoint().addressFor(io.meshwork.core.model.Protocol.HTTP);
      okhttp3.Request head = new okhttp3.Request.Builder().url("http://" + service + "/").head()
          .tag(WarmUpTarget.class, new WarmUpTarget(target, timeout.toNanos())).build();
      try (okhttp3.Response r = client.newCall(head).execute()) {
        reached.add(address);
      } catch (java.io.IOException x) {
        failed.put(address, x.getMessage() == null ? x.getClass().getSimpleName() : x.getMessage());
      }
    }
    return new WarmUp(service, reached, failed);
  }

  private static OkHttpClient.Builder install(Mesh mesh, MeshTls tls, OkHttpClient.Builder builder) {
    Objects.requireNonNull(builder, "builder");
    for (Interceptor i : builder.interceptors()) {
      if (i instanceof MeshInterceptor existing) {
        if (existing.mesh() == mesh && existing.tls() == tls) return builder;
        // A derived builder keeps its mesh interceptor: silently keeping it would drop the TLS asked for.
        throw new IllegalStateException("builder: already calls through the mesh of " + existing.mesh().serviceName()
            + (existing.tls() == null ? " without a MeshTls" : " with a MeshTls of " + existing.tls().identity().spiffeId())
            + " (expected: a builder without a mesh interceptor, or the same mesh and MeshTls)");
      }
    }
    builder.interceptors().add(0, new MeshInterceptor(mesh, tls));

    OkHttpClient current = builder.build();
    if (!(current.eventListenerFactory() instanceof CallStarts)) {
      builder.eventListenerFactory(new CallStarts(mesh.ticker(), current.eventListenerFactory()));
    }
    Dispatcher dispatcher = current.dispatcher();
    ExecutorService executor = dispatcher.executorService();
    if (!(executor instanceof ContextExecutor)) {
      Dispatcher wrapped = new Dispatcher(new ContextExecutor(Context.taskWrapping(executor)));
      boolean okHttpDefaults = dispatcher.getMaxRequests() == OKHTTP_MAX_REQUESTS
          && dispatcher.getMaxRequestsPerHost() == OKHTTP_MAX_REQUESTS_PER_HOST;
      wrapped.setMaxRequests(okHttpDefaults ? DISPATCHER_MAX_REQUESTS : dispatcher.getMaxRequests());
      wrapped.setMaxRequestsPerHost(okHttpDefaults ? DISPATCHER_MAX_REQUESTS : dispatcher.getMaxRequestsPerHost());
      builder.dispatcher(wrapped);
    }
    return builder;
  }
}
