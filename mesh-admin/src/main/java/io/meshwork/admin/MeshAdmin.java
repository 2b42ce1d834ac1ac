package io.meshwork.admin;

import io.meshwork.admin.AdminHttpServer.Deferred;
import io.meshwork.admin.AdminHttpServer.Reply;
import io.meshwork.admin.AdminHttpServer.Request;
import io.meshwork.admin.AdminHttpServer.Response;
import io.meshwork.admin.AdminHttpServer.Stream;
import io.meshwork.core.Mesh;
import io.meshwork.core.Subscription;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin server of one process: a read-only HTTP server that shows what the mesh is doing.
 *
 * <ul>
 *   <li>{@code GET /admin}: the live dashboard (a self-contained HTML page);
 *   <li>{@code GET /admin/state.json}: this process's state ({@link MeshState});
 *   <li>{@code GET /admin/mesh.json}: the mesh-wide map, from the peers' admin servers
 *       ({@link MeshView});
 *   <li>{@code GET /admin/events}: a server-sent-event stream of the engine's decisions
 *       (ejections, readmissions, breaker transitions, refusals, registry and certificate
 *       changes), the last 100 replayed on connect;
 *   <li>{@code GET /metrics}: the mesh's Micrometer meters in the Prometheus text format.
 * </ul>
 *
 * <p>Only {@code GET} and {@code HEAD} are answered (anything else is 405); nothing is read from
 * disk and no key material is ever part of an answer. It listens on 127.0.0.1 unless told
 * otherwise, plaintext: anyone who can reach the port can read the mesh's topology, so binding
 * another address is an explicit choice ({@link Builder#bindAddress}) and logged as a warning.
 *
 * <p>When started, it announces its port as the mesh's named port {@code admin}
 * ({@code mesh.announcePort("admin", port)}), so that peers find each other's admin servers in
 * the registry. It runs on daemon threads named {@code meshwork-admin-*} (one selector thread for
 * all connections, two for rendering, one for polling) and {@link #close()} stops them all.
 *
 * <pre>{@code
 * try (MeshAdmin admin = MeshAdmin.start(mesh, 9901)) {
 *   System.out.println("dashboard: " + admin.uri().resolve("admin"));
 *   ...
 * }
 * }</pre>
 */
public final class MeshAdmin implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MeshAdmin.class);

  /** The class path resource served at {@code /admin}. */
  static final String DASHBOARD = "io/meshwork/admin/dashboard.html";
  /** Event streams open at once, at most; beyond, a new one is answered 503. */
  static final int MAX_EVENT_STREAMS = 2_000;
  /** An SSE comment is sent to every stream this often, so that proxies and clients see it alive. */
  static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
  /** Dashboard policy: the page may load nothing from outside the process. */
  static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self' 'unsafe-inline';"
      + " style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

  private final Mesh mesh;
  private final Clock clock;
  private final Duration peerTimeout;
  private final int maxPeers;
  private final MeshState state;
  private final ExecutorService workers;
  private final ScheduledExecutorService poller;
  private final AdminHttpServer server;
  private final AdminEvents events;
  private final PrometheusEndpoint metrics;
  private final byte[] dashboard;
  private final List<Meter> meters = new ArrayList<>();
  private Subscription subscription;
  private Subscription announcement;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Object viewLock = new Object();
  private MeshView view;                    // created on first use: its HttpClient has threads
  private HttpClient viewClient;

  private MeshAdmin(Builder b) throws IOException {
    this.mesh = b.mesh;
    this.clock = b.clock;
    this.peerTimeout = b.peerTimeout;
    this.maxPeers = b.maxPeers;
    this.dashboard = loadDashboard();
    this.state = b.clockSet ? MeshState.start(mesh, clock, mesh.ticker()) : MeshState.start(mesh);
    this.workers = new ThreadPoolExecutor(2, 2, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(64),
        threads("meshwork-admin-worker-"));
    this.poller = new ScheduledThreadPoolExecutor(1, threads("meshwork-admin-poller-"));
    this.metrics = PrometheusEndpoint.of(mesh.meterRegistry());
    AdminHttpServer started = null;
    try {
      started = new AdminHttpServer(new InetSocketAddress(b.bindAddress, b.port), this::route,
          MAX_EVENT_STREAMS, KEEP_ALIVE.toNanos());
    } catch (IOException | RuntimeException e) {
      shutdownExecutors();
      metrics.close();
      state.close();
      throw e;
    }
    this.server = started;
    this.events = new AdminEvents(clock, server);
    StatusPoller status = new StatusPoller(mesh, events);
    poller.scheduleWithFixedDelay(status::poll, 1, 1, TimeUnit.SECONDS);
    MeterRegistry registry = mesh.meterRegistry();
    meters.add(FunctionCounter.builder("mesh.admin.events.dropped", events, AdminEvents::dropped)
        .description("Events not published because the queue for the event streams was full")
        .register(registry));
    meters.add(FunctionCounter.builder("mesh.admin.events.slow.clients", server, AdminHttpServer::slowStreamsClosed)
        .description("Event streams closed because their client fell more than 64 KiB behind")
        .register(registry));
    meters.add(Gauge.builder("mesh.admin.events.clients", server, AdminHttpServer::streams)
        .description("Event streams open").register(registry));
    try {
      subscribe();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    exposure(b.bindAddress, address().getPort()).ifPresent(log::warn);
    log.info("admin server for {} at {}admin", mesh.serviceName(), uri());
  }

  /** Subscribes the event listener and announces the admin port. */
  private void subscribe() {
    subscription = mesh.addListener(events);
    state.ownAdmin(uri() + "admin"); // state.json's service.admin; the mesh-wide view skips it
    announcement = mesh.announcePort("admin", address().getPort());
  }

  /**
   * Starts an admin server for {@code mesh} on 127.0.0.1:{@code port}.
   *
   * @param mesh the mesh to show
   * @param port the port; 0 for any free port (see {@link #address()})
   * @return the running server; close it to stop it
   * @throws UncheckedIOException if the port cannot be bound
   */
  public static MeshAdmin start(Mesh mesh, int port) {
    return builder(mesh).port(port).start();
  }

  /**
   * A builder for an admin server of {@code mesh}: 127.0.0.1, any free port by default.
   *
   * @param mesh the mesh to show
   * @return a builder
   */
  public static Builder builder(Mesh mesh) {
    return new Builder(mesh);
  }

  /**
   * Where the server listens.
   *
   * @return the bound address and port
   */
  public InetSocketAddress address() {
    return server.address();
  }

  /**
   * The server's root, {@code http://127.0.0.1:port/}; the dashboard is at
   * {@code uri().resolve("admin")}.
   *
   * @return the root URI
   */
  public URI uri() {
    InetSocketAddress a = address();
    String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return URI.create("http://" + host + ":" + a.getPort() + "/");
  }

  /** Stops the server, the poller and the state's sampler, and unsubscribes from the mesh. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (announcement != null) {
      announcement.close(); // registrations drop the admin port: peers stop asking
    }
    if (subscription != null) {
      subscription.close();
    }
    server.close();
    shutdownExecutors();
    meters.forEach(mesh.meterRegistry()::remove);
    metrics.close();
    state.close();
    synchronized (viewLock) {
      viewClient = null;
      view = null;
    }
  }

  /** The warning to log when {@code bind} is reachable from other machines; empty for loopback. */
  static java.util.Optional<String> exposure(InetAddress bind, int port) {
    if (bind.isLoopbackAddress()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of("admin server listens on " + bind.getHostAddress() + ":" + port
        + ", not on loopback: anyone who can reach it reads this service's topology, endpoints,"
        + " callers and certificate expiry, unauthenticated and in plaintext. Keep it behind a"
        + " firewall, or bind 127.0.0.1 (the default) and tunnel to it");
  }

  /** The server, for tests in this package. */
  AdminHttpServer server() {
    return server;
  }

  /** The events, for tests in this package. */
  AdminEvents events() {
    return events;
  }

  private Reply route(Request r) {
    if (!r.method().equals("GET") && !r.method().equals("HEAD")) {
      return Response.text(405, "method " + r.method() + " not allowed: the admin server is read-only"
          + " (allowed: GET, HEAD)").withHeaders("Allow", "GET, HEAD");
    }
    switch (r.path()) {
      case "/", "/admin/" -> {
        return new Response(301, "text/plain; charset=utf-8", "see /admin\n".getBytes(StandardCharsets.UTF_8),
            List.of("Location", "/admin"));
      }
      case "/admin" -> {
        return new Response(200, "text/html; charset=utf-8", dashboard,
            List.of("Cache-Control", "no-cache", "Content-Security-Policy", CONTENT_SECURITY_POLICY,
                "X-Frame-Options", "DENY", "Referrer-Policy", "no-referrer"));
      }
      case "/admin/state.json" -> {
        return render(() -> json(state.json()));
      }
      case "/admin/mesh.json" -> {
        return new Deferred(view().json().thenApply(MeshAdmin::json));
      }
      case "/admin/events" -> {
        AdminEvents e = events;      // null while the constructor finishes
        return e == null ? Response.text(503, "starting; try again").withHeaders("Retry-After", "1")
            : new Stream(e.replay());
      }
      case "/metrics" -> {
        return render(metrics::scrape);
      }
      default -> {
        return Response.text(404, "no such page: " + printable(r.path())
            + " (pages: /admin, /admin/state.json, /admin/mesh.json, /admin/events, /metrics)");
      }
    }
  }

  private static Response json(String body) {
    return new Response(200, "application/json", body.getBytes(StandardCharsets.UTF_8),
        List.of("Cache-Control", "no-store"));
  }

  private Reply render(java.util.function.Supplier<Response> work) {
    try {
      return new Deferred(CompletableFuture.supplyAsync(work, workers));
    } catch (RejectedExecutionException e) {
      return Response.text(503, "the admin server is busy rendering other requests; try again")
          .withHeaders("Retry-After", "1");
    }
  }

  private MeshView view() {
    synchronized (viewLock) {
      if (view == null) {
        viewClient = HttpClient.newBuilder().connectTimeout(peerTimeout)
            .followRedirects(HttpClient.Redirect.NEVER).build();
        view = new MeshView(state, viewClient, peerTimeout, maxPeers);
      }
      return view;
    }
  }

  private void shutdownExecutors() {
    poller.shutdownNow();
    workers.shutdownNow();
    try {
      if (!poller.awaitTermination(5, TimeUnit.SECONDS) || !workers.awaitTermination(5, TimeUnit.SECONDS)) {
        log.warn("admin: worker threads did not stop within 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static byte[] loadDashboard() throws IOException {
    try (InputStream in = MeshAdmin.class.getClassLoader().getResourceAsStream(DASHBOARD)) {
      if (in == null) {
        return ("<!doctype html><title>Meshwork admin</title><p>The dashboard (" + DASHBOARD
            + ") is missing from the class path.</p>").getBytes(StandardCharsets.UTF_8);
      }
      return in.readAllBytes();
    }
  }

  private static String printable(String s) {
    String cut = s.length() > 100 ? s.substring(0, 100) + "..." : s;
    return cut.replaceAll("[^\\x20-\\x7e]", "?");
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Builds a {@link MeshAdmin}. */
  public static final class Builder {
    private final Mesh mesh;
    private int port;
    private InetAddress bindAddress = InetAddress.getLoopbackAddress();
    private Duration peerTimeout = Duration.ofMillis(500);
    private int maxPeers = 32;
    private Clock clock = Clock.systemUTC();
    private boolean clockSet;

    private Builder(Mesh mesh) {
      this.mesh = Objects.requireNonNull(mesh, "mesh");
    }

    /**
     * The port to listen on; 0 (the default) for any free port.
     *
     * @param port 0 to 65535
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port: " + port + " (expected: 0 to 65535, 0 for any free port)");
      }
      this.port = port;
      return this;
    }

    /**
     * The address to listen on; 127.0.0.1 by default. Anything but a loopback address exposes the
     * mesh's topology, unauthenticated and in plaintext, to whoever can reach it; the server logs
     * a warning saying so.
     *
     * @param address the address, e.g. {@code InetAddress.getByName("0.0.0.0")}
     * @return this builder
     */
    public Builder bindAddress(InetAddress address) {
      this.bindAddress = Objects.requireNonNull(address, "bindAddress");
      return this;
    }

    /**
     * How long {@code /admin/mesh.json} waits for each peer; 500 ms by default.
     *
     * @param timeout positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder peerTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "peerTimeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("peerTimeout: " + timeout + " (expected: positive)");
      }
      this.peerTimeout = timeout;
      return this;
    }

    /**
     * How many peers {@code /admin/mesh.json} asks at most; 32 by default.
     *
     * @param maxPeers 0 or more
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public Builder maxPeers(int maxPeers) {
      if (maxPeers < 0) {
        throw new IllegalArgumentException("maxPeers: " + maxPeers + " (expected: 0 or more)");
      }
      this.maxPeers = maxPeers;
      return this;
    }

    /**
     * The clock for event and document times; the system's by default. For tests.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      this.clockSet = true;
      return this;
    }

    /**
     * Starts the server.
     *
     * @return the running server
     * @throws UncheckedIOException if the address cannot be bound
     */
    public MeshAdmin start() {
      try {
        return new MeshAdmin(this);
      } catch (IOException e) {
        throw new UncheckedIOException("admin server: cannot listen on " + bindAddress.getHostAddress()
            + ":" + port + ": " + e.getMessage(), e);
      }
    }
  }
}
