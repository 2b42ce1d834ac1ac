package io.meshwork.grpc;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.Address;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.registry.Registration;
import io.meshwork.tls.MeshTls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
 * ""}) and each of its services while it runs. Build one with {@link MeshGrpc#server(Mesh)}.
 *
 * <pre>{@code
 * MeshServer server = MeshGrpc.server(mesh)
 *     .port(8081)                    // every interface; default 127.0.0.1 on a free port
 *     .addService(new GreeterImpl())
 *     .register(true)                // announce this endpoint of mesh.serviceName() once listening
 *     .start();
 * ...
 * server.close();   // NOT_SERVING, withdrawn from the registry, drained, stopped
 * }</pre>
 *
 * <p>It reads as mesh-http's {@code MeshHttpServer} does: the same builder verbs ({@code port},
 * {@code bind}, {@code advertise}, {@code tls}, {@code register}, {@code drainTimeout}, {@code
 * start}), the same defaults and the same close.
 *
 * <p><b>Where it listens.</b> By default on 127.0.0.1, on a port the system picks: safe for
 * tests and local runs, since nothing is reachable from another machine until you say so. {@link
 * Builder#port} listens on every interface (as {@code ServerBuilder.forPort} does) and announces
 * this host's address; {@link Builder#bind} listens on one interface and announces it. {@link
 * Builder#advertise} overrides the announced host (a pod IP, a host name).
 *
 * <p><b>Mutual TLS.</b> With the mesh's identity ({@code Mesh.Builder.identity}, the default) or
 * a {@link MeshTls} given to {@link Builder#tls}, each connection is secured
 * as the registry's mode for this service says when it is accepted ({@link ServerNegotiator}):
 * strict → mutual TLS 1.3 only; permissive → plaintext and mutual TLS on the same port (the
 * client's certificate is optional); disabled → plaintext. The certificate presented is the
 * identity's current one at each handshake, so rotation needs no restart; connections are
 * recycled after a {@linkplain Builder#maxConnectionAge maximum age} (by default a quarter of
 * the certificate lifetime) so that rotation, a new trust bundle and a mode change reach
 * long-lived connections too. Without either the server is plaintext, and refuses every call
 * while the mode is strict.
 *
 * <p>{@link #serving(boolean)} flips health for the whole server: mesh clients stop picking
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
  private final String advertisedHost;
  private final boolean register;
  private final Duration drainTimeout;
  private volatile boolean serving;
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
    InetSocketAddress address = new InetSocketAddress(b.host, b.port);
    NettyServerBuilder nb = b.tls == null
        ? NettyServerBuilder.forAddress(address)
        : NettyServerBuilder.forAddress(address, ServerNegotiator.credentials(b.mesh, b.tls));
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
    this.advertisedHost = b.advertisedHost != null ? b.advertisedHost : advertisedHost(b.host);
    this.register = b.register;
    this.drainTimeout = b.drainTimeout;
  }

  /** The host to announce for a server bound to {@code host}: itself, or this host's address for every interface. */
  static String advertisedHost(String host) {
    if (!host.equals("0.0.0.0") && !host.equals("::") && !host.equals("[::]")) return host;
    try {
      return InetAddress.getLocalHost().getHostAddress();
    } catch (UnknownHostException e) {
      return "127.0.0.1";
    }
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
    serving(true);
    if (register) {
      try {
        // Its own named port: beside an HTTP server of the same mesh and host, one endpoint with both.
        registration = mesh.register(Endpoint.ofPort(advertisedHost, "grpc", port()).withZone(mesh.zone()));
      } catch (RuntimeException e) {
        shutdownNow();
        throw e;
      }
    }
    return this;
  }

  /** The address announced when {@linkplain Builder#register registered}: the advertised host and the bound port. */
  public Address address() {
    return new Address(advertisedHost, port());
  }

  /** The port it listens on (the real one when built with port 0). */
  public int port() {
    return port;
  }

  /** The health service's state, to report per-service health. */
  public HealthStatusManager health() {
    return health;
  }

  /**
   * Reports the whole server and each service as SERVING or NOT_SERVING, so that mesh clients
   * (client-side health checking) stop picking this endpoint without a failed call, e.g. while it
   * warms up or before it shuts down. {@link #close()} sets not serving first.
   */
  public MeshServer serving(boolean serving) {
    this.serving = serving;
    ServingStatus s = serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, s);
    for (String name : services) health.setStatus(name, s);
    return this;
  }

  /** Whether the server reports SERVING. */
  public boolean serving() {
    return serving && !server.isShutdown();
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
    serving = false;
    health.enterTerminalState();
    withdraw();
    server.shutdown();
    interceptor.close();
    return this;
  }

  /** Abrupt stop: calls in flight are cancelled. */
  public MeshServer shutdownNow() {
    serving = false;
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
   * Drains, then stops: {@link #shutdown()} (NOT_SERVING, withdrawn, no new calls), then waits up
   * to the {@linkplain Builder#drainTimeout drain timeout} for calls in flight (health watch
   * streams of clients never end by themselves), then {@link #shutdownNow()}.
   */
  @Override
  public void close() {
    shutdown();
    try {
      if (!awaitTermination(drainTimeout)) {
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

  /** How long close waits for calls in flight unless told otherwise, as mesh-http's servers: 5 s. */
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(5);

  /** Builds a {@link MeshServer}; from {@link MeshGrpc#server(Mesh)}. */
  public static final class Builder {
    static final int GRACE_SECONDS = 30;
    private final Mesh mesh;
    private String host = "127.0.0.1";
    private int port;
    private final List<ServerServiceDefinition> definitions = new ArrayList<>();
    private final List<ServerInterceptor> interceptors = new ArrayList<>();
    private Executor executor;
    private final List<Consumer<NettyServerBuilder>> customizers = new ArrayList<>();
    private MeshTls tls;
    private Duration maxConnectionAge;
    private boolean register;
    private String advertisedHost;
    private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;

    Builder(Mesh mesh) {
      this.mesh = Objects.requireNonNull(mesh, "mesh");
      this.tls = MeshTls.of(mesh).orElse(null);
    }

    /**
     * Listens on {@code port} of every interface (0: a free port) and announces this host's
     * address. Default: 127.0.0.1 on a free port (see {@link MeshServer}, where it listens).
     */
    public Builder port(int port) {
      return bind("0.0.0.0", port);
    }

    /** Listens on {@code port} of one interface, {@code host}, and announces it. Port 0 picks a free port. */
    public Builder bind(String host, int port) {
      if (port < 0 || port > 65535) throw new IllegalArgumentException("port: " + port + " (expected: 0 to 65535)");
      this.host = Objects.requireNonNull(host, "host");
      this.port = port;
      return this;
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
     * MeshServer}). Default: the mesh's own identity ({@code Mesh.Builder.identity}); without
     * either the server is plaintext. Callers' identities then come from their
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
     * once it listens ({@code mesh.register}; withdrawn on close). Default false: the registry
     * document lists it.
     */
    public Builder register(boolean register) {
      this.register = register;
      return this;
    }

    /** The host announced when registered; default the bound host, or this host's address when bound to every interface. */
    public Builder advertise(String host) {
      this.advertisedHost = Objects.requireNonNull(host, "host");
      return this;
    }

    /**
     * How long {@link MeshServer#close()} waits for calls in flight before it cancels them.
     * Default {@link MeshServer#DEFAULT_DRAIN_TIMEOUT}, as mesh-http's servers.
     */
    public Builder drainTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "drainTimeout");
      if (timeout.isNegative()) throw new IllegalArgumentException("drainTimeout: " + timeout + " (expected: zero or more)");
      this.drainTimeout = timeout;
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

    /**
     * Builds the server, starts it, reports SERVING, and registers its endpoint if {@linkplain
     * #register asked}.
     *
     * @throws java.io.UncheckedIOException when the address cannot be bound
     */
    public MeshServer start() {
      return new MeshServer(this).start();
    }
  }
}
