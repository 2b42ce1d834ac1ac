package io.meshwork.spring.boot;

import io.meshwork.core.Mesh;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.registry.Registration;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.grpc.server.lifecycle.GrpcServerStartedEvent;

/**
 * Boot's gRPC server as an endpoint of its mesh service, as {@link MeshServerRegistration} does for
 * the web server: on {@link GrpcServerStartedEvent} it registers {@code Endpoint.ofPort(host,
 * "grpc", port)} with the real port (also with {@code spring.grpc.server.port=0}) in the zone of
 * the mesh; on the context's {@link ContextClosedEvent}, before any lifecycle stops (Boot's gRPC
 * server stops in the highest phase, so no phase comes before it), it withdraws the registration
 * and waits the withdraw delay while the server still serves, so that callers stop picking it
 * before the server drains.
 *
 * <p>The host is {@code meshwork.server.advertise-host}; else the server's address when it is bound
 * to one; else 127.0.0.1. Thread-safe.
 */
public class MeshGrpcServerRegistration implements ApplicationListener<ApplicationEvent>, ApplicationContextAware {
  private static final Logger log = LoggerFactory.getLogger(MeshGrpcServerRegistration.class);

  private final Mesh mesh;
  private final String advertiseHost;
  private final Duration withdrawDelay;
  private ApplicationContext context;
  private Registration registration;

  /**
   * @param advertiseHost the host to announce, or null for the server's address (127.0.0.1 when it
   *     listens on every interface)
   * @param withdrawDelay how long to wait after withdrawing; zero or more
   */
  public MeshGrpcServerRegistration(Mesh mesh, String advertiseHost, Duration withdrawDelay) {
    this.mesh = Objects.requireNonNull(mesh, "mesh");
    this.advertiseHost = advertiseHost == null || advertiseHost.isBlank() ? null : advertiseHost.strip();
    this.withdrawDelay = Objects.requireNonNull(withdrawDelay, "withdrawDelay");
    if (withdrawDelay.isNegative()) {
      throw new IllegalArgumentException("withdrawDelay: " + withdrawDelay + " (expected: zero or more)");
    }
  }

  @Override
  public void setApplicationContext(ApplicationContext context) {
    this.context = context;
  }

  /** Registers on the server's start; withdraws when this context closes. */
  @Override
  public void onApplicationEvent(ApplicationEvent event) {
    if (event instanceof GrpcServerStartedEvent started) {
      register(started.getAddress(), started.getPort());
    } else if (event instanceof ContextClosedEvent closed && closed.getApplicationContext() == context) {
      withdraw();
    }
  }

  private synchronized void register(String address, int port) {
    if (port <= 0 || registration != null) return; // in-process or not listening; or registered
    String host = advertiseHost != null ? advertiseHost : host(address);
    registration = mesh.register(Endpoint.ofPort(host, "grpc", port).withZone(mesh.zone()));
    log.info("{}: registered gRPC {}:{} in the mesh", mesh.serviceName(), host, port);
  }

  /** The server's address when it is one address of this host, else 127.0.0.1. */
  static String host(String address) {
    if (address == null || address.isBlank() || address.contains("*")) return "127.0.0.1";
    try {
      InetAddress a = InetAddress.getByName(address.strip());
      return a.isAnyLocalAddress() ? "127.0.0.1" : a.getHostAddress();
    } catch (Exception e) {
      return "127.0.0.1";
    }
  }

  /** Withdraws the registration, if any, then waits the withdraw delay. */
  public void withdraw() {
    Registration r;
    synchronized (this) {
      r = registration;
      registration = null;
    }
    if (r != null) MeshServerRegistration.withdraw(r, withdrawDelay, mesh.serviceName(), "gRPC ");
  }

  /** The current registration, or null before the server listens and after {@link #withdraw()}. */
  public synchronized Registration registration() {
    return registration;
  }

  /** How long {@link #withdraw()} waits after the withdrawal. */
  public Duration withdrawDelay() {
    return withdrawDelay;
  }
}
