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
 * A gRPC server on the mesh (Netty, plaintext until mesh-tls): every call goes through the
 * {@link MeshServerInterceptor}, and the standard {@code grpc.health.v1.Health} service reports
 * SERVING for the server ({@code ""}) and each of its services while it runs. Build one with
 * {@link MeshGrpc#server(Mesh, int)}.
 *
 * <pre>{@code
 * MeshServer server = MeshGrpc.server(mesh, 8081).addService(new GreeterImpl()).register(true).start();
 * ...
 * server.close();   // NOT_SERVING, withdrawn from the registry, drained, stopped
 * }</pre>
 *
 * <p>{@link #setServing(boolean)} flips health for the whole server: mesh clients stop picking
 * a NOT_SERVING server (client-side health checking) without failing a call.
 *
 * <p>Thread-safe.
 */
public final class MeshServer implements AutoCloseable {
  private final Server server;
  private final HealthStatusManager health;
  private final List<String> services;
  private final Mesh mesh;
  private final String announceHost;
  private final boolean register;
  private volatile Registration registration;
  private volatile int port = -1;

  private MeshServer(Builder b) {
    this.mesh = b.mesh;
    this.health = new HealthStatusManager();
    this.services = new ArrayList<>();
    NettyServerBuilder nb = NettyServerBuilder.forAddress(b.address);
    for (ServerServiceDefinition d : b.definitions) {
      nb.addService(d);
      services.add(d.getServiceDescriptor().getName());
    }
    nb.addService(health.getHealthService());
    if (b.executor != null) nb.executor(b.executor);
    for (ServerInterceptor i : b.interceptors) nb.intercept(i);
    if (b.customizer != null) b.customizer.accept(nb);
    nb.intercept(new MeshServerInterceptor(b.mesh)); // added last: runs first
    this.server = nb.build();
    this.announceHost = b.announceHost;
    this.register = b.register;
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
    return this;
  }

  /** Abrupt stop: calls in flight are cancelled. */
  public MeshServer shutdownNow() {
    health.enterTerminalState();
    withdraw();
    server.shutdownNow();
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
    private final Mesh mesh;
    private final SocketAddress address;
    private final List<ServerServiceDefinition> definitions = new ArrayList<>();
    private final List<ServerInterceptor> interceptors = new ArrayList<>();
    private Executor executor;
    private Consumer<NettyServerBuilder> customizer;
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

    /** Anything else on the Netty server builder (message sizes, keep-alive, ...). */
    public Builder configure(Consumer<NettyServerBuilder> customizer) {
      this.customizer = Objects.requireNonNull(customizer, "customizer");
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
