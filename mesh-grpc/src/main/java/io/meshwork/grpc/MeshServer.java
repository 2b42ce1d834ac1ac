package io.meshwork.grpc;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.registry.Registration;
import io.meshwork.tls.MeshTls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A gRPC server on the mesh (Netty): every call goes through the {@link MeshServerInterceptor},
 * and the standard {@code grpc.health.v1.Health} service reports SERVING for the server ({@code
 * ""}) and each of its services while it runs. Build one with {@link MeshGrpc#server(Mesh, int)}.
 *
 * <pre>{@code
 * MeshServer server = MeshGrpc.server(mesh, 8081).addService(new GreeterImpl()).tls(tls).register(true).start();
 * ...
 * server.close();   // NOT_SERVING, withdrawn from the registry, drained, stopped
 * }</pre>
 *
 * <p><b>Mutual TLS.</b> With a {@link MeshTls} ({@link Builder#tls}), each connection is secured
 * as the registry's mode for this service says when it is accepted ({@link ServerNegotiator}):
 * strict → mutual TLS 1.3 only; permissive → plaintext and mutual TLS on the same port (the
 * client's certificate is optional); disabled → plaintext. The certificate presented is the
 * identity's current one at each handshake, so rotation needs no restart; connections are
 * recycled after a {@linkplain Builder#maxConnectionAge maximum age} (by default a quarter of
 * the certificate lifetime) so that rotation, a new trust bundle and a mode change reach
 * long-lived connections too. Without a {@code MeshTls} the server is plaintext, and refuses
 * every call while the mode is strict.
 *
 * <p>{@link #setServing(boolean)} flips health for the whole server: mesh clients stop picking
 * a NOT_SERVING server (client-side health checking, on unless the registry's {@code
 * client.healthCheck} turns it off) without failing a call. {@link #health()} sets it per
 * service, for callers whose policy checks a service name.
 *
 * <p>Thread-safe.
 */
public final class MeshServer implements AutoCloseable {
  private final Server server;
  private final HealthStatusManager health;
  private final List<String> services;
  private final Mesh mesh;
  private final MeshServerInterceptor interceptor;
  private final String announceHost;
  private final boolean register;
  private volatile Registration registration;
  private volatile int port = -1;

  /** The longest grace a recycled connection gets for its calls in flight. */
  static final Duration MAX_CONNECTION_AGE_GRACE = Duration.ofSeconds(Builder.GRACE_SECONDS);
  /** The shortest maximum connection age gRPC applies. */
  static final Duration MIN_CONNECTION_AGE = Duration.ofSeconds(1);

  private MeshServer(Builder b) {
    this.mesh = b.mesh;
    this.health = new HealthStatusManager();
    this.services = new ArrayList<>();
    NettyServerBuilder nb = b.tls == null
        ? NettyServerBuilder.forAddress(b.address)
        : NettyServerBuilder.forAddress(b.address, ServerNegotiator.credentials(b.mesh, b.tls));
    Duration age = b.maxConnectionAge != null ? b.maxConnectionAge : b.tls != null ? defaultMaxConnectionAge(b.tls) : null;
    if (age != null) {
      Duration grace = age.compareTo(MAX_CONNECTION_AGE_GRACE) < 0 ? age : MAX_CONNECTION_AGE_GRACE;
      nb.maxConnectionAge(age.toNanos(), TimeUnit.NANOSECONDS)
          .maxConnectionAgeGrace(grace.toNanos(), TimeUnit.NANOSECONDS);
    }
    for (ServerServiceDefinition d : b.definitions) {
      nb.addService(d);
      services.add(d.getServiceDescriptor().getName());
    }
    nb.addService(health.getHealthService());
    if (b.executor != null) nb.executor(b.executor);
    for (ServerInterceptor i : b.interceptors) nb.intercept(i);
    for (Consumer<NettyServerBuilder> c : b.customizers) c.accept(nb);
    this.interceptor = new MeshServerInterceptor(b.mesh);
    nb.intercept(interceptor); // added last: runs first
    this.server = nb.build();
    this.announceHost = b.announceHost;
    this.register = b.register;
  }

  /**
   * A quarter of the current certificate's lifetime (6 h for the development CA's 24 h), at
   * least {@link #MIN_CONNECTION_AGE}: below the third of a lifetime that separates a renewal
   * (at two thirds) from the old certificate's expiry, so no connection outlives the
   * certificate it was opened with. gRPC adds ±10 % jitter.
   */
  static Duration defaultMaxConnectionAge(MeshTls tls) {
    Duration quarter = tls.identity().current().lifetime().dividedBy(4);
    return quarter.compareTo(MIN_CONNECTION_AGE) < 0 ? MIN_CONNECTION_AGE : quarter;
  }

  /** Starts listening, reports SERVING, and registers the endpoint if asked. */
  MeshServer start() {
    try {
      server.start();
      port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the gRPC server of " + mesh.serviceName(), e);
    }
    setServing(true);
    if (register) {
      registration = mesh.register(Endpoint.of(announceHost + ":" + port()));
    }
    return this;
  }

  /** The port it listens on (the real one when built with port 0). */
  public int port() {
    return port;
  }

  /** The health service's state, to report per-service health. */
  public HealthStatusManager health() {
    return health;
  }

  /** Reports the whole server and each service as SERVING or NOT_SERVING. */
  public void setServing(boolean serving) {
    ServingStatus s = serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, s);
    for (String name : services) health.setStatus(name, s);
  }

  /** The underlying gRPC server. */
  public Server server() {
    return server;
  }

  /**
   * Graceful stop: NOT_SERVING for good (clients stop picking it), withdrawn from the registry,
   * no new calls; calls in flight finish.
   */
  public MeshServer shutdown() {
    health.enterTerminalState();
    withdraw();
    server.shutdown();
    interceptor.close();
    return this;
  }

  /** Abrupt stop: calls in flight are cancelled. */
  public MeshServer shutdownNow() {
    health.enterTerminalState();
    withdraw();
    server.shutdownNow();
    interceptor.close();
    return this;
  }

  /** Waits up to {@code timeout} for the server to stop; true if it did. */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return server.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * {@link #shutdown()}, then waits up to 5 s for calls in flight (health watch streams of
   * clients never end by themselves), then {@link #shutdownNow()}.
   */
  @Override
  public void close() {
    shutdown();
    try {
      if (!awaitTermination(Duration.ofSeconds(5))) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private void withdraw() {
    Registration r = registration;
    registration = null;
    if (r != null) r.close();
  }

  /** Builds a {@link MeshServer}; from {@link MeshGrpc#server(Mesh, int)}. */
  public static final class Builder {
    static final int GRACE_SECONDS = 30;
    private final Mesh mesh;
    private final SocketAddress address;
    private final List<ServerServiceDefinition> definitions = new ArrayList<>();
    private final List<ServerInterceptor> interceptors = new ArrayList<>();
    private Executor executor;
    private final List<Consumer<NettyServerBuilder>> customizers = new ArrayList<>();
    private MeshTls tls;
    private Duration maxConnectionAge;
    private boolean register;
    private String announceHost;

    Builder(Mesh mesh, SocketAddress address) {
      this.mesh = Objects.requireNonNull(mesh, "mesh");
      this.address = Objects.requireNonNull(address, "address");
      this.announceHost = defaultHost(address);
    }

    public Builder addService(BindableService service) {
      definitions.add(service.bindService());
      return this;
    }

    public Builder addService(ServerServiceDefinition service) {
      definitions.add(Objects.requireNonNull(service, "service"));
      return this;
    }

    /** An application interceptor; it runs inside the mesh's (deadline and trace already set). */
    public Builder intercept(ServerInterceptor interceptor) {
      interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
      return this;
    }

    /**
     * Mutual TLS with this workload identity, as the registry's mode says (see {@link
     * MeshServer}). Without it the server is plaintext. Callers' identities then come from their
     * certificates, for the access policy and the handlers ({@link
     * io.meshwork.core.MeshContext#callerIdentity}).
     */
    public Builder tls(MeshTls tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /**
     * How long a connection may live before the server asks the client to reconnect (gRPC's
     * {@code maxConnectionAge}, with a grace of the same length for calls in flight, at most
     * {@value #GRACE_SECONDS} s). Default with {@link #tls}: a quarter of the certificate
     * lifetime; without: unlimited. Keep it under a third of the certificate lifetime, so that
     * rotation reaches every connection before the old certificate expires.
     */
    public Builder maxConnectionAge(Duration age) {
      Objects.requireNonNull(age, "maxConnectionAge");
      if (age.compareTo(MIN_CONNECTION_AGE) < 0) {
        throw new IllegalArgumentException("maxConnectionAge: " + age + " (expected: at least " + MIN_CONNECTION_AGE + ")");
      }
      this.maxConnectionAge = age;
      return this;
    }

    /** The executor handlers run on. Default: gRPC's shared cached pool. */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Whether to announce this server in the registry as an endpoint of the mesh's own service
     * once it listens (withdrawn on shutdown). Default false: the registry document lists it.
     */
    public Builder register(boolean register) {
      this.register = register;
      return this;
    }

    /** The host announced by {@link #register}. Default: the bound address, or this host's. */
    public Builder announceHost(String host) {
      this.announceHost = Objects.requireNonNull(host, "host");
      return this;
    }

    /**
     * Anything else on the Netty server builder (message sizes, keep-alive, ...). Each call adds
     * a customizer; they run in the order added, after the mesh's own settings, so they may
     * change them (e.g. {@code maxConnectionAgeGrace}), and before the mesh's interceptor is
     * added, so that it runs before any interceptor they add.
     */
    public Builder configure(Consumer<NettyServerBuilder> customizer) {
      customizers.add(Objects.requireNonNull(customizer, "customizer"));
      return this;
    }

    /** Builds and starts the server. */
    public MeshServer start() {
      return new MeshServer(this).start();
    }

    private static String defaultHost(SocketAddress address) {
      if (address instanceof InetSocketAddress isa && !isa.isUnresolved() && !isa.getAddress().isAnyLocalAddress()) {
        return isa.getAddress().getHostAddress();
      }
      try {
        return InetAddress.getLocalHost().getHostAddress();
      } catch (UnknownHostException e) {
        return "127.0.0.1";
      }
    }
  }
}
