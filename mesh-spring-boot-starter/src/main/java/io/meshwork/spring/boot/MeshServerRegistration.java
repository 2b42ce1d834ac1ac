package io.meshwork.spring.boot;

import io.meshwork.core.Mesh;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.registry.Registration;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;

/**
 * The application's web server as an endpoint of its mesh service: registered with its real port
 * once it listens, withdrawn first on shutdown.
 *
 * <p><b>Start.</b> On the {@link WebServerInitializedEvent} of the main web server (not the
 * management server of Actuator, which has a server namespace of its own), it registers {@code
 * Endpoint.ofPort(advertisedHost, "http", port)} in the zone of the mesh, as mesh-http's and
 * mesh-grpc's servers do with {@code register(true)}.
 *
 * <p><b>Stop.</b> Its phase, {@link #PHASE}, is above Boot's graceful shutdown phase ({@link
 * WebServerApplicationContext#GRACEFUL_SHUTDOWN_PHASE}), and Spring stops lifecycles from the
 * highest phase down. So closing the context first withdraws the registration, then waits the
 * {@linkplain #withdrawDelay() withdraw delay} while the server still serves every request, so that
 * callers see the withdrawal and stop picking this instance; only then does Boot's graceful
 * shutdown ({@code server.shutdown=graceful}) stop accepting connections and drain the requests in
 * flight, and then the web server stops. This is the order of mesh-http's {@code MeshHttpServer}
 * close: withdraw, wait, stop.
 *
 * <p>A context that is stopped and started again registers again when its web server starts again.
 * Thread-safe.
 */
public class MeshServerRegistration implements SmartLifecycle, ApplicationListener<WebServerInitializedEvent> {

  /** Above the web server's graceful shutdown, so that it stops (withdraws) before the server drains. */
  public static final int PHASE = WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE + 512;

  private static final Logger log = LoggerFactory.getLogger(MeshServerRegistration.class);

  private final Mesh mesh;
  private final String advertisedHost;
  private final Duration withdrawDelay;
  private Registration registration;
  private volatile boolean running;

  /**
   * @param advertisedHost the host to announce
   * @param withdrawDelay how long {@link #stop()} waits after withdrawing; zero or more
   */
  public MeshServerRegistration(Mesh mesh, String advertisedHost, Duration withdrawDelay) {
    this.mesh = Objects.requireNonNull(mesh, "mesh");
    this.advertisedHost = Objects.requireNonNull(advertisedHost, "advertisedHost");
    this.withdrawDelay = Objects.requireNonNull(withdrawDelay, "withdrawDelay");
    if (withdrawDelay.isNegative()) {
      throw new IllegalArgumentException("withdrawDelay: " + withdrawDelay + " (expected: zero or more)");
    }
  }

  /** Registers the main web server's port; ignores other servers (e.g. the management server's). */
  @Override
  public void onApplicationEvent(WebServerInitializedEvent event) {
    if (event.getApplicationContext().getServerNamespace() != null) return;
    int port = event.getWebServer().getPort();
    if (port <= 0) return; // not listening (e.g. a mock environment)
    synchronized (this) {
      if (registration != null) return;
      registration = mesh.register(Endpoint.ofPort(advertisedHost, "http", port).withZone(mesh.zone()));
      log.info("{}: registered {}:{} in the mesh", mesh.serviceName(), advertisedHost, port);
    }
  }

  /** The current registration, or null before the web server listens and after {@link #stop()}. */
  public synchronized Registration registration() {
    return registration;
  }

  /** The host announced. */
  public String advertisedHost() {
    return advertisedHost;
  }

  /** How long {@link #stop()} waits after the withdrawal. */
  public Duration withdrawDelay() {
    return withdrawDelay;
  }

  @Override
  public void start() {
    running = true;
  }

  /**
   * Withdraws the registration, then waits the withdraw delay (if there was one to withdraw), so
   * that callers stop picking this instance before the web server stops accepting requests.
   */
  @Override
  public void stop() {
    Registration r;
    synchronized (this) {
      r = registration;
      registration = null;
    }
    try {
      if (r != null) withdraw(r, withdrawDelay, mesh.serviceName(), "");
    } finally {
      running = false;
    }
  }

  /**
   * Closes {@code r} and, once it is closed, waits {@code delay} for callers to see it; a
   * registration that cannot be closed is logged and not waited for. Shared with {@link
   * MeshGrpcServerRegistration}; {@code what} prefixes the address in the log ("gRPC ").
   */
  static void withdraw(Registration r, Duration delay, String service, String what) {
    try {
      r.close();
    } catch (RuntimeException e) {
      log.warn("{}: could not withdraw {}", service, r, e);
      return;
    }
    log.info("{}: withdrew {}{}; waiting {} for callers to see it", service, what, r.endpoint().address(), delay);
    try {
      if (!delay.isZero()) Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}
