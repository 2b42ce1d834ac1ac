package io.meshwork.grpc;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ServerBuilder;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ClientCalls;
import io.meshwork.core.Mesh;
import io.meshwork.core.WarmUp;
import io.meshwork.core.model.Address;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.tls.MeshTls;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * gRPC-Java on the mesh: channels whose calls are named, balanced, retried and deadline-bound
 * by the mesh, and servers that accept mesh calls. Generated stubs work unchanged.
 *
 * <pre>{@code
 * ManagedChannel channel = MeshGrpc.channel(mesh, "greeter");
 * GreeterGrpc.GreeterBlockingStub greeter = GreeterGrpc.newBlockingStub(channel);
 *
 * MeshServer server = MeshGrpc.server(mesh).port(8081).addService(new GreeterImpl()).start();
 * }</pre>
 *
 * <p>Mutual TLS: a channel or server of a mesh with an identity ({@code Mesh.Builder.identity}),
 * or given a {@link MeshTls}, secures each new connection as the registry's mode says ({@code
 * mesh.tls}: strict, permissive or disabled); one without speaks plaintext, and its calls fail with UNAVAILABLE while the mode is strict. A mesh channel
 * accepts only the server identity the registry expects for its service, {@code
 * spiffe://<trust domain>/service/<name>}, in place of host-name verification; a mesh server
 * takes the caller's identity from its certificate alone, and enforces the service's access
 * policy ({@code server.allow}) with PERMISSION_DENIED.
 *
 * <p>What a channel is made of, which users do not assemble themselves: the {@code mesh:///}
 * name resolver (the registry's endpoints, live), the {@value MeshLoadBalancerProvider#POLICY}
 * balancer (one connection per endpoint; the engine picks), client-side health checking as the
 * registry's {@code client.healthCheck} policy says (live; {@link
 * MeshNameResolverProvider#HEALTH_CHECK_SERVICE} overrides it per channel), and the mesh
 * interceptor innermost (deadline, admission, trace context, retries). gRPC's own
 * retries are off: the mesh retries, under its budget.
 */
public final class MeshGrpc {
  /**
   * Marks a call idempotent, so the mesh may retry it after it may have reached a server:
   * {@code stub.withOption(MeshGrpc.IDEMPOTENT, true)}. Methods are already idempotent when their
   * proto says {@code idempotency_level = IDEMPOTENT} (or {@code NO_SIDE_EFFECTS}), or when the
   * registry lists them in the service's {@code client.retries.idempotentMethods}
   * ({@code package.Service/Method} or {@code package.Service/*}), which lets a service's owner
   * declare it for every caller without changing the proto or the callers. {@code false} does not
   * take either away.
   */
  public static final CallOptions.Key<Boolean> IDEMPOTENT =
      CallOptions.Key.createWithDefault("meshwork-idempotent", false);

  /**
   * The value of {@link MeshNameResolverProvider#HEALTH_CHECK_SERVICE} that turns health checks
   * off for a channel, whatever the registry's {@code client.healthCheck} says.
   */
  public static final String NO_HEALTH_CHECK = "-";

  private MeshGrpc() {}

  /**
   * A channel to {@code service} through {@code mesh}. It speaks mutual TLS as the mesh's identity
   * ({@code Mesh.Builder.identity}) whenever the registry's mode is strict or permissive; a mesh
   * without an identity gives a plaintext channel, whose calls fail with UNAVAILABLE while the
   * mode is strict.
   */
  public static ManagedChannel channel(Mesh mesh, String service) {
    return channelBuilder(mesh, service).build();
  }

  /**
   * A channel to {@code service} through {@code mesh} that speaks mutual TLS as {@code tls}'s
   * workload whenever the registry's mode is strict or permissive, plaintext when it is
   * disabled.
   */
  public static ManagedChannel channel(Mesh mesh, String service, MeshTls tls) {
    return channelBuilder(mesh, service, tls).build();
  }

  /**
   * A Netty channel builder for {@code mesh:///service}, already configured for the mesh: with
   * the mesh's identity when it has one (as {@link #channelBuilder(Mesh, String, MeshTls)}), else
   * plaintext. Interceptors added to it run before the mesh's, once per call; the mesh's runs
   * once per try.
   *
   * @throws IllegalArgumentException when {@code service} is not a valid service name
   */
  public static NettyChannelBuilder channelBuilder(Mesh mesh, String service) {
    Objects.requireNonNull(mesh, "mesh");
    ServiceConfig.checkName(service);
    java.util.Optional<MeshTls> own = MeshTls.of(mesh);
    if (own.isPresent()) return channelBuilder(mesh, service, own.get());
    return configure(NettyChannelBuilder.forTarget(target(service)).usePlaintext(), mesh, service, false);
  }

  /**
   * A Netty channel builder for {@code mesh:///service} that secures each new connection as the
   * registry's mode for {@code service} says when it is made: disabled → plaintext; permissive
   * or strict → mutual TLS 1.3, presenting {@code tls}'s current certificate and accepting only a
   * server whose certificate chains to the trust bundle and names {@code
   * spiffe://<trust domain>/service/<service>} (no host-name verification). A mode change reaches
   * new connections; the channel replaces its connections when it sees one. Its security is
   * fixed: do not call {@code usePlaintext} or {@code sslContext} on it.
   *
   * @throws IllegalArgumentException when {@code service} is not a valid service name
   */
  public static NettyChannelBuilder channelBuilder(Mesh mesh, String service, MeshTls tls) {
    Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(tls, "tls");
    ServiceConfig.checkName(service);
    NettyChannelBuilder b = NettyChannelBuilder.forTarget(target(service),
        ClientNegotiator.credentials(mesh.destination(service), tls));
    return configure(b, mesh, service, true)
        .setNameResolverArg(MeshNameResolverProvider.TLS, Boolean.TRUE);
  }

  private static String target(String service) {
    return MeshNameResolverProvider.SCHEME + ":///" + service;
  }

  private static NettyChannelBuilder configure(NettyChannelBuilder b, Mesh mesh, String service, boolean tls) {
    return b.setNameResolverArg(MeshNameResolverProvider.MESH, mesh)
        .defaultLoadBalancingPolicy(MeshLoadBalancerProvider.POLICY)
        .disableRetry()
        .intercept(new MeshClientInterceptor(mesh, service, tls));
  }

  /**
   * A builder for a mesh server of {@code mesh}'s service (Netty), secured with the mesh's
   * identity when it has one: {@code MeshGrpc.server(mesh).port(9090).addService(impl).start()}.
   * It reads as {@code MeshHttp.server(mesh)}; see {@link MeshServer} for where it listens by
   * default and what close does.
   */
  public static MeshServer.Builder server(Mesh mesh) {
    return new MeshServer.Builder(mesh);
  }

  /**
   * Credentials for a Netty server built elsewhere ({@code Grpc.newServerBuilderForPort(port,
   * MeshGrpc.serverCredentials(mesh, tls))}) that secure each connection as the registry's mode
   * for {@code mesh}'s service says, as a {@link MeshServer} with {@link MeshServer.Builder#tls}
   * does. Set that builder's {@code maxConnectionAge} below a third of the certificate lifetime
   * so that rotation reaches long-lived connections; then {@link #configure}.
   */
  public static ServerCredentials serverCredentials(Mesh mesh, MeshTls tls) {
    Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(tls, "tls");
    return ServerNegotiator.credentials(mesh, tls);
  }

  /**
   * A plain gRPC {@link ServerBuilder} (Netty) on {@code port} of every interface with the mesh's
   * server side wired in, secured with the mesh's identity when it has one (as {@link
   * #serverBuilder(Mesh, int, MeshTls)}), else plaintext: the mesh's server interceptor, which runs before every
   * interceptor the application adds, whenever it adds it, and the health service ({@link
   * MeshServerBuilder#health()}). For code that builds servers itself from a {@code
   * ServerBuilder}; {@link #server(Mesh)} gives a {@link MeshServer}, which also manages
   * health, registration and shutdown.
   */
  public static MeshServerBuilder serverBuilder(Mesh mesh, int port) {
    java.util.Optional<MeshTls> own = MeshTls.of(Objects.requireNonNull(mesh, "mesh"));
    if (own.isPresent()) return serverBuilder(mesh, port, own.get());
    return serverBuilder(mesh, NettyServerBuilder.forAddress(new InetSocketAddress(port)));
  }

  /**
   * As {@link #serverBuilder(Mesh, int)}, securing each connection with {@code tls} as the
   * registry's mode says ({@link #serverCredentials}), and recycling connections after a quarter
   * of the certificate lifetime so that rotation reaches them (as {@link MeshServer} does).
   */
  public static MeshServerBuilder serverBuilder(Mesh mesh, int port, MeshTls tls) {
    Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(tls, "tls");
    Duration age = MeshServer.defaultMaxConnectionAge(tls);
    Duration grace = age.compareTo(MeshServer.MAX_CONNECTION_AGE_GRACE) < 0 ? age : MeshServer.MAX_CONNECTION_AGE_GRACE;
    return serverBuilder(mesh, NettyServerBuilder.forAddress(new InetSocketAddress(port), serverCredentials(mesh, tls))
        .maxConnectionAge(age.toNanos(), TimeUnit.NANOSECONDS)
        .maxConnectionAgeGrace(grace.toNanos(), TimeUnit.NANOSECONDS));
  }

  /**
   * {@code builder} (any transport, e.g. {@code Grpc.newServerBuilderForPort(port,
   * serverCredentials(mesh, tls))}) as a builder with the mesh's server side wired in, as {@link
   * #serverBuilder(Mesh, int)}. Configure it through the returned builder, which adds the mesh's
   * interceptor when it builds, so that it runs first; do not build {@code builder} itself.
   */
  public static MeshServerBuilder serverBuilder(Mesh mesh, ServerBuilder<?> builder) {
    return new MeshServerBuilder(mesh, builder);
  }

  /**
   * Opens a connection to every endpoint of {@code channel}'s service now and checks that each
   * answers: a {@code grpc.health.v1.Health/Check} call on each endpoint's own connection (with
   * the mesh's mutual TLS when the registry's mode asks for it), so that name resolution, the TCP
   * and TLS handshakes and the classes on the way are done before the first call rather than
   * inside its deadline. Call it at start-up, after the registry lists the service. The probes go
   * outside the engine: they are not calls (no balancing, retries, budget or {@code
   * mesh.client.requests}), and any answer counts as reached, even UNIMPLEMENTED from a server
   * without the health service. An endpoint whose connection fails is reported at once with the
   * reason; the channel keeps reconnecting to it in the background as usual.
   *
   * <p>Blocks until every endpoint answered or failed, at most {@code timeout} in all.
   *
   * @return which endpoints answered and which could not be reached, and why (the same value
   *     {@code MeshHttp.warmUp} returns)
   * @throws IllegalArgumentException when {@code channel} is not a mesh channel (one from {@link
   *     #channel} or {@link #channelBuilder})
   * @throws InterruptedException when the calling thread is interrupted while waiting
   */
  public static WarmUp warmUp(ManagedChannel channel, Duration timeout) throws InterruptedException {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(timeout, "timeout");
    WarmUpProbe question = WarmUpProbe.question();
    channel.newCall(HealthGrpc.getCheckMethod(), CallOptions.DEFAULT.withOption(WarmUpProbe.KEY, question));
    if (question.service == null) {
      throw new IllegalArgumentException("channel: not a mesh channel (expected: one from MeshGrpc.channel or MeshGrpc.channelBuilder)");
    }
    long until = System.nanoTime() + timeout.toNanos();
    Map<Address, ListenableFuture<HealthCheckResponse>> probes = new LinkedHashMap<>();
    for (Address a : question.endpoints) {
      CallOptions options = CallOptions.DEFAULT.withOption(WarmUpProbe.KEY, WarmUpProbe.to(a))
          .withDeadlineAfter(Math.max(1, until - System.nanoTime()), TimeUnit.NANOSECONDS);
      probes.put(a, ClientCalls.futureUnaryCall(channel.newCall(HealthGrpc.getCheckMethod(), options),
          HealthCheckRequest.getDefaultInstance()));
    }
    List<Address> reached = new ArrayList<>();
    Map<Address, String> failed = new LinkedHashMap<>();
    try {
      for (Map.Entry<Address, ListenableFuture<HealthCheckResponse>> p : probes.entrySet()) {
        try {
          p.getValue().get();
          reached.add(p.getKey());
        } catch (ExecutionException e) {
          Status s = Status.fromThrowable(e.getCause());
          switch (s.getCode()) {
            case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED ->
                failed.put(p.getKey(), s.getCode() + ": " + MeshPicker.reason(s));
            default -> reached.add(p.getKey()); // the server answered
          }
        }
      }
    } finally {
      probes.values().forEach(f -> f.cancel(true));
    }
    return new WarmUp(question.service, reached, failed);
  }

  /**
   * The mesh's server interceptor alone, for frameworks that build the server and its health
   * service themselves (Spring Boot's gRPC server): the caller's deadline and trace in the
   * handler's context, the caller's identity from the TLS session, the inbound rule (strict mode,
   * access policy, a passed deadline) and {@code mesh.server.requests}. Add it last, so that it
   * runs before every other interceptor. Prefer {@link #server} or {@link #configure}, which also
   * add the health service. One interceptor per server; it watches the service in the registry
   * until the registry closes.
   */
  public static ServerInterceptor serverInterceptor(Mesh mesh) {
    return new MeshServerInterceptor(Objects.requireNonNull(mesh, "mesh"));
  }

  /**
   * For a server built elsewhere: installs the mesh's server interceptor (call this after adding
   * the application's own interceptors, so the mesh's runs first: gRPC runs the interceptors
   * added later first) and the health service, and returns the health state for the application
   * to set. The interceptor takes callers' identities from the connection's TLS session, enforces
   * the access policy and refuses plaintext calls in strict mode. {@link #serverBuilder(Mesh,
   * ServerBuilder)} does the same and keeps the mesh first whatever is added afterwards.
   */
  public static HealthStatusManager configure(Mesh mesh, ServerBuilder<?> builder) {
    Objects.requireNonNull(mesh, "mesh");
    HealthStatusManager health = new HealthStatusManager();
    builder.addService(health.getHealthService());
    builder.intercept(new MeshServerInterceptor(mesh));
    return health;
  }
}
