package io.meshwork.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshContext;
import io.meshwork.core.inbound.InboundCall;
import io.meshwork.core.inbound.InboundGuard;
import io.meshwork.core.inbound.InboundRequest;
import io.meshwork.core.model.Address;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.registry.Registration;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.SpiffeId;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mesh server for plain-Java services on the JDK's built-in HTTP server ({@code
 * com.sun.net.httpserver}). Every request passes the {@link InboundGuard} before its handler: the
 * caller's deadline and trace context become the handler's OpenTelemetry context (so calls the
 * handler makes through a {@link MeshHttp} client inherit both with no forwarding code), and a
 * request whose deadline has already passed is answered 504 with the reason, without running the
 * handler.
 *
 * <pre>{@code
 * try (MeshHttpServer server = MeshHttp.server(mesh)
 *     .port(8081)                    // every interface; default 127.0.0.1 on a free port
 *     .handler("/hello", exchange -> ...)
 *     .register(true)                // announce this endpoint of mesh.serviceName() once listening
 *     .start()) {
 *   ...
 * }                                  // not serving, withdrawn, drained, stopped
 * }</pre>
 *
 * <p>It reads as mesh-grpc's {@code MeshServer} does: the same builder verbs ({@code port},
 * {@code bind}, {@code advertise}, {@code tls}, {@code register}, {@code drainTimeout}, {@code
 * start}), the same defaults and the same close.
 *
 * <p><b>Where it listens.</b> By default on 127.0.0.1, on a port the system picks: safe for
 * tests and local runs, since nothing is reachable from another machine until you say so. {@link
 * Builder#port} listens on every interface (as {@code ServerBuilder.forPort}, servlet containers
 * and Spring Boot's {@code server.port} do) and announces this host's address; {@link
 * Builder#bind} listens on one interface and announces it. {@link Builder#advertise} overrides the
 * announced host (a pod IP, a host name).
 *
 * <p><b>Mutual TLS.</b> With the mesh's identity ({@code Mesh.Builder.identity}, the default) or
 * a {@link MeshTls} given to {@link Builder#tls}, each connection is secured
 * as the registry's mode for this service says when it is accepted (see {@code ServerTls}):
 * strict → mutual TLS 1.3 only; permissive → plaintext and mutual TLS on the same port (the
 * client's first byte tells them apart; the client's certificate is optional); disabled →
 * plaintext. The certificate presented is the identity's current one at each handshake, so
 * rotation needs no restart; a request on a connection older than the {@linkplain
 * Builder#maxConnectionAge maximum age} (by default a quarter of the certificate lifetime) is
 * answered with {@code Connection: close}, so rotation, a new trust bundle and a mode change
 * reach long-lived connections too. Without either the server is plaintext.
 *
 * <p>Before any handler runs, whatever the mode: the caller's identity is the SPIFFE ID of the
 * certificate it presented in the connection's TLS session, and nothing else (a header claiming
 * an identity is never read); it goes into the handler's context ({@link
 * MeshContext#callerIdentity}) and tags {@code mesh.server.requests}. While the mode is strict a
 * request without a client certificate (over plaintext, or over TLS on a connection opened in
 * permissive mode) is refused with 503 and its connection closed; the
 * service's access policy ({@code server.allow}) refuses a caller it does not allow with 403,
 * the reason in the body.
 *
 * <p>A client that goes away before it has the response (it closes the connection, or cancels
 * the call) is recorded as cancelled, not as a 500, when writing the response to it fails with
 * the connection gone: {@link InboundCall#cancelled()}.
 *
 * <p>TCP_NODELAY: unless the application set {@code sun.net.httpserver.nodelay} itself, loading
 * this class sets it to {@code true} for the JDK's server, which otherwise adds a delayed-ACK wait
 * (~40 ms) to every response.
 *
 * <p>Threading: handlers run on the server's executor, by default a cached pool of daemon
 * threads (one per concurrent request); pass a bounded one with {@link Builder#executor} to cap
 * concurrency. {@link #close()} drains: the health path answers not serving, the registration
 * is withdrawn so callers stop picking this endpoint, requests in flight get up to the {@linkplain
 * Builder#drainTimeout drain timeout} to finish, and only then does the server stop listening
 * and stop the executor it created.
 */
public final class MeshHttpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MeshHttpServer.class);

  static {
    // The JDK server writes the response headers and the body in separate segments; with Nagle's
    // algorithm on, the body waits for the client's delayed ACK, adding ~40 ms to every response.
    // Its ServerConfig reads this property once, so it is set before the first server is made,
    // unless the application chose a value itself.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  /** The path a server answers health checks on unless told otherwise: {@value}. */
  public static final String DEFAULT_HEALTH_PATH = "/healthz";

  /** How long close waits for requests in flight unless told otherwise, as mesh-grpc's servers: 5 s. */
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(5);

  /** How often close looks whether the requests in flight have finished. */
  private static final long DRAIN_POLL_MILLIS = 5;

  /** The shortest maximum connection age, as mesh-grpc's servers. */
  static final Duration MIN_CONNECTION_AGE = Duration.ofSeconds(1);

  private final Mesh mesh;
  private final HttpServer server;
  private final InboundSecurity security;
  private final ExecutorService executor;
  private final boolean ownsExecutor;
  private final String advertisedHost;
  private final boolean register;
  private final Duration drainTimeout;
  /** Requests being handled, for the drain on close: a counter, no lock per request. */
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile Registration registration;
  private volatile boolean closed;
  /** What the health path answers: 200 while true, 503 once false. */
  private volatile boolean serving = true;
  private final String healthPath;

  private MeshHttpServer(Builder b) throws IOException {
    this.mesh = b.mesh;
    InboundGuard guard = InboundGuard.create(mesh, b.percentileHistograms);
    this.security = new InboundSecurity(mesh, guard);
    InetSocketAddress address = new InetSocketAddress(b.host, b.port);
    try {
      if (b.tls != null) {
        HttpsServer https = HttpsServer.create(address, b.backlog);
        https.setHttpsConfigurator(new HttpsConfigurator(ServerTls.context(b.tls, security.ownService())));
        this.server = https;
      } else {
        this.server = HttpServer.create(address, b.backlog);
      }
    } catch (IOException | RuntimeException e) {
      security.close();
      throw e;
    }
    Duration age = b.maxConnectionAge != null ? b.maxConnectionAge : b.tls != null ? defaultMaxConnectionAge(b.tls) : null;
    long maxAgeMillis = age == null ? Long.MAX_VALUE : age.toMillis();
    this.ownsExecutor = b.executor == null;
    this.executor = b.executor != null ? b.executor : Executors.newCachedThreadPool(threads(mesh.serviceName()));
    server.setExecutor(executor);
    for (Map.Entry<String, HttpHandler> e : b.handlers.entrySet()) {
      server.createContext(e.getKey(), new Draining(inFlight, new Guarded(guard, security, maxAgeMillis, e.getValue())));
    }
    // The application's own handler at the same path wins: the mesh never shadows a route it was given.
    this.healthPath = b.healthPath.isEmpty() || b.handlers.containsKey(b.healthPath) ? "" : b.healthPath;
    if (!healthPath.isEmpty()) server.createContext(healthPath, this::health);
    this.advertisedHost = b.advertisedHost != null ? b.advertisedHost : advertisedHost(b.host);
    this.register = b.register;
    this.drainTimeout = b.drainTimeout;
  }

  /** A builder for a mesh server of {@code mesh}'s service; the same as {@link MeshHttp#server}. */
  public static Builder builder(Mesh mesh) {
    return new Builder(Objects.requireNonNull(mesh, "mesh"));
  }

  /** The host to announce for a server bound to {@code host}: itself, or this host's address for every interface. */
  static String advertisedHost(String host) {
    if (!host.equals("0.0.0.0") && !host.equals("::") && !host.equals("[::]")) return host;
    try {
      return java.net.InetAddress.getLocalHost().getHostAddress();
    } catch (java.net.UnknownHostException e) {
      return "127.0.0.1";
    }
  }

  /**
   * A quarter of the current certificate's lifetime (6 h for the development CA's 24 h), at
   * least {@link #MIN_CONNECTION_AGE}: below the third of a lifetime that separates a renewal
   * (at two thirds) from the old certificate's expiry, so no connection outlives the
   * certificate it was opened with by much. As mesh-grpc's servers.
   */
  static Duration defaultMaxConnectionAge(MeshTls tls) {
    Duration quarter = tls.identity().current().lifetime().dividedBy(4);
    return quarter.compareTo(MIN_CONNECTION_AGE) < 0 ? MIN_CONNECTION_AGE : quarter;
  }

  /** Starts accepting requests, then registers the endpoint if the builder asked to. */
  private MeshHttpServer start() {
    server.start();
    if (register) {
      try {
        // Its own named port: beside a gRPC server of the same mesh and host, one endpoint with both.
        registration = mesh.register(Endpoint.ofPort(advertisedHost, "http", port()).withZone(mesh.zone()));
      } catch (RuntimeException e) {
        close();
        throw e;
      }
    }
    return this;
  }

  /** The port listened on (the one picked by the system when bound to port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  /** The address announced when {@linkplain Builder#register registered}: the advertised host and the bound port. */
  public Address address() {
    return new Address(advertisedHost, port());
  }

  /**
   * Sets what the health path answers: serving (200, the start) or not serving (503), so that
   * clients with HTTP health checking stop picking this endpoint without a failed call, e.g.
   * while it warms up or before it shuts down. {@link #close()} sets not serving first.
   */
  public MeshHttpServer serving(boolean v) {
    this.serving = v;
    return this;
  }

  /** Whether the health path answers serving (200). */
  public boolean serving() {
    return serving && !closed;
  }

  /** The path this server answers health checks on; {@code ""} when it answers none. */
  public String healthPath() {
    return healthPath;
  }

  /**
   * The health path: {@code 200 serving} or {@code 503 not serving}, outside the inbound guard
   * (no deadline, access policy or metrics: a probe is not a call, and it tells nothing but
   * whether this server wants traffic). Any method; only the exact path.
   */
  private void health(HttpExchange exchange) throws IOException {
    try {
      exchange.getRequestBody().readAllBytes();
      if (!exchange.getRequestURI().getRawPath().equals(healthPath)) {
        respond(exchange, 404, "not found");
      } else if (serving()) {
        respond(exchange, 200, "serving");
      } else {
        respond(exchange, 503, "not serving");
      }
    } finally {
      exchange.close();
    }
  }

  /**
   * Drains, then stops: the health path answers 503 (not serving), the registration (if any) is
   * withdrawn, requests in flight get up to the {@linkplain Builder#drainTimeout drain timeout} to
   * finish (new requests are still served meanwhile, for callers that have not yet seen the
   * withdrawal), then the server stops listening and stops the executor it created. Idempotent.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) return;
      serving = false;
      closed = true;
    }
    Registration r = registration;
    if (r != null) {
      try {
        r.close();
      } catch (RuntimeException e) {
        log.warn("{}: could not withdraw {}", mesh.serviceName(), r, e);
      }
    }
    long until = System.nanoTime() + drainTimeout.toNanos();
    // Close is rare and not on the request path: poll the counter rather than lock every request.
    try {
      while (inFlight.get() > 0 && System.nanoTime() - until < 0) {
        TimeUnit.MILLISECONDS.sleep(DRAIN_POLL_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.stop(0);
    security.close();
    if (ownsExecutor) executor.shutdownNow();
  }

  /** Counts the requests being handled, for the drain on close. */
  private static final class Draining implements HttpHandler {
    private final AtomicInteger inFlight;
    private final HttpHandler next;

    Draining(AtomicInteger inFlight, HttpHandler next) {
      this.inFlight = inFlight;
      this.next = next;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
      inFlight.incrementAndGet();
      try {
        next.handle(exchange);
      } finally {
        inFlight.decrementAndGet();
      }
    }
  }

  private static ThreadFactory threads(String service) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "meshwork-http-" + service + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Runs a handler behind the inbound guard, inside the request's context, once the TLS mode and
   * the access policy allow the request.
   */
  private static final class Guarded implements HttpHandler {
    private final InboundGuard guard;
    private final InboundSecurity security;
    private final long maxAgeMillis;
    private final HttpHandler handler;

    Guarded(InboundGuard guard, InboundSecurity security, long maxAgeMillis, HttpHandler handler) {
      this.guard = guard;
      this.security = security;
      this.maxAgeMillis = maxAgeMillis;
      this.handler = handler;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
      // The caller's identity comes from the TLS session alone, never from a header.
      SSLSession session = exchange instanceof HttpsExchange https ? https.getSSLSession() : null;
      boolean tls = ServerTls.isTls(session);
      String caller = tls ? MeshTls.peerIdentity(session).map(SpiffeId::toString).orElse(null) : null;
      Context parent = Context.current();
      ResponseBody body = new ResponseBody(exchange.getResponseBody());
      exchange.setStreams(null, body);
      InboundCall in = null;
      try {
        in = guard.begin(new ExchangeRequest(exchange, tls, caller), parent);
        serve(exchange, in, tls, session, caller, body);
      } finally {
        try {
          exchange.close(); // writes what the handler left unflushed: the client may be gone by then
        } finally {
          if (in != null) {
            if (body.clientGone()) in.cancelled();
            in.close();
          }
        }
      }
    }

    private void serve(HttpExchange exchange, InboundCall in, boolean tls, SSLSession session, String caller,
        ResponseBody body) throws IOException {
      if (tls && System.currentTimeMillis() - session.getCreationTime() >= maxAgeMillis) {
        // Old enough: the client reconnects for its next request, with a new handshake.
        exchange.getResponseHeaders().set("Connection", "close");
      }
      if (security.refused(exchange, in)) return;
      try (Scope ignored = in.context().makeCurrent()) {
        handler.handle(exchange);
        in.status(exchange.getResponseCode());
      } catch (IOException | RuntimeException e) {
        if (body.clientGone()) {
          // Writing the response failed because the client went away: not the handler's failure.
          in.status(exchange.getResponseCode());
          throw e;
        }
        in.status(500);
        in.failed(e);
        if (exchange.getResponseCode() == -1) {
          log.warn("{}: handler failed", guard.service(), e);
          respond(exchange, 500, guard.service() + ": handler failed: " + e);
        } else {
          throw e;
        }
      }
    }
  }

  /**
   * The response body as handlers see it (installed with {@link HttpExchange#setStreams}): the
   * exchange's own stream, which notes the first exception that writing, flushing or closing it
   * threw. When that exception says the connection is gone, the client went away before it had
   * the response, and the request is recorded as cancelled. A client that goes away is noticed
   * only by such a failure: a response the system accepts in one write goes unnoticed.
   */
  static final class ResponseBody extends FilterOutputStream {
    private volatile IOException failure;

    ResponseBody(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      try {
        out.write(b);
      } catch (IOException e) {
        throw noted(e);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      try {
        out.write(b, off, len);
      } catch (IOException e) {
        throw noted(e);
      }
    }

    @Override
    public void flush() throws IOException {
      try {
        out.flush();
      } catch (IOException e) {
        throw noted(e);
      }
    }

    @Override
    public void close() throws IOException {
      try {
        out.close();
      } catch (IOException e) {
        throw noted(e);
      }
    }

    private IOException noted(IOException e) {
      if (failure == null) failure = e;
      return e;
    }

    /** Whether writing the response failed because the client's connection is gone. */
    boolean clientGone() {
      IOException f = failure;
      return f != null && ClientAborts.connectionLost(f);
    }
  }

  static void respond(HttpExchange exchange, int status, String text) throws IOException {
    byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  /** The guard's view of a JDK exchange; its header map is case-insensitive and keeps every line. */
  private static final class ExchangeRequest implements InboundRequest {
    private final HttpExchange exchange;
    private final boolean tls;
    /** The SPIFFE ID of the client certificate the TLS session verified, or null. */
    private final String peerIdentity;

    ExchangeRequest(HttpExchange exchange, boolean tls, String peerIdentity) {
      this.exchange = exchange;
      this.tls = tls;
      this.peerIdentity = peerIdentity;
    }

    @Override
    public boolean tls() {
      return tls;
    }

    @Override
    public String peerIdentity() {
      return peerIdentity;
    }

    @Override
    public String method() {
      return exchange.getRequestMethod();
    }

    @Override
    public String header(String lowerCaseName) {
      return exchange.getRequestHeaders().getFirst(lowerCaseName);
    }

    @Override
    public List<String> headers(String lowerCaseName) {
      List<String> values = exchange.getRequestHeaders().get(lowerCaseName);
      return values == null ? List.of() : values;
    }

    @Override
    public Iterable<String> headerNames() {
      return exchange.getRequestHeaders().keySet();
    }

    @Override
    public String scheme() {
      return tls ? "https" : "http";
    }

    @Override
    public String path() {
      return exchange.getRequestURI().getRawPath();
    }

    @Override
    public String query() {
      return exchange.getRequestURI().getRawQuery();
    }

    @Override
    public String route() {
      return exchange.getHttpContext().getPath();
    }

    @Override
    public InetSocketAddress remoteAddress() {
      return exchange.getRemoteAddress();
    }
  }

  /** Builds a {@link MeshHttpServer}. */
  public static final class Builder {
    private final Mesh mesh;
    private String host = "127.0.0.1";
    private int port;
    private boolean register;
    private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
    private String advertisedHost;
    private int backlog;
    private ExecutorService executor;
    private boolean percentileHistograms;
    private MeshTls tls;
    private Duration maxConnectionAge;
    private String healthPath = DEFAULT_HEALTH_PATH;
    private final Map<String, HttpHandler> handlers = new LinkedHashMap<>();

    private Builder(Mesh mesh) {
      this.mesh = mesh;
      this.tls = MeshTls.of(mesh).orElse(null);
    }

    /**
     * Listens on {@code port} of every interface (0: a free port) and announces this host's
     * address. Default: 127.0.0.1 on a free port (see {@link MeshHttpServer}, where it listens).
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

    /**
     * Whether to announce this server in the registry as an endpoint of the mesh's own service
     * once it listens ({@code mesh.register}; withdrawn on close). Default false: the registry
     * document lists it.
     */
    public Builder register(boolean register) {
      this.register = register;
      return this;
    }

    /**
     * How long {@link MeshHttpServer#close()} waits for requests in flight before it stops
     * listening. Default {@link MeshHttpServer#DEFAULT_DRAIN_TIMEOUT}, as mesh-grpc's servers.
     */
    public Builder drainTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "drainTimeout");
      if (timeout.isNegative()) throw new IllegalArgumentException("drainTimeout: " + timeout + " (expected: zero or more)");
      this.drainTimeout = timeout;
      return this;
    }

    /** The host announced when registered; default the bound host, or this host's address when bound to every interface. */
    public Builder advertise(String host) {
      this.advertisedHost = Objects.requireNonNull(host, "host");
      return this;
    }

    /** Serves requests whose path starts with {@code path} (the JDK's context matching). */
    public Builder handler(String path, HttpHandler handler) {
      if (handlers.putIfAbsent(Objects.requireNonNull(path, "path"), Objects.requireNonNull(handler, "handler")) != null) {
        throw new IllegalArgumentException("path: '" + path + "' (expected: each path once)");
      }
      return this;
    }

    /**
     * Mutual TLS with this workload identity, as the registry's mode says (see {@link
     * MeshHttpServer}). Default: the mesh's own identity ({@code Mesh.Builder.identity}); without
     * either the server is plaintext. Callers' identities then come from their certificates, for
     * the access policy and the handlers ({@link MeshContext#callerIdentity}).
     */
    public Builder tls(MeshTls tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /**
     * How long a TLS connection may serve requests: a request on an older connection is answered
     * with {@code Connection: close}, so the client makes a new one (and a new handshake) for its
     * next request. Default with {@link #tls}: a quarter of the certificate lifetime, read when
     * the server is built; without: unlimited. Keep it under a third of the certificate lifetime,
     * so that rotation reaches every connection before the old certificate expires.
     */
    public Builder maxConnectionAge(Duration age) {
      Objects.requireNonNull(age, "maxConnectionAge");
      if (age.compareTo(MIN_CONNECTION_AGE) < 0) {
        throw new IllegalArgumentException("maxConnectionAge: " + age + " (expected: at least " + MIN_CONNECTION_AGE + ")");
      }
      this.maxConnectionAge = age;
      return this;
    }

    /**
     * The path the server answers health checks on itself (see {@link MeshHttpServer#serving(boolean)}):
     * default {@value #DEFAULT_HEALTH_PATH}, the path to name in the registry's {@code
     * healthCheck.path} for clients to check this service; {@code ""} for none. A handler the
     * application registers at the same path replaces it.
     */
    public Builder healthPath(String path) {
      Objects.requireNonNull(path, "healthPath");
      if (!path.isEmpty() && (!path.startsWith("/") || path.contains("?") || path.chars().anyMatch(
          c -> Character.isWhitespace(c) || Character.isISOControl(c)))) {
        throw new IllegalArgumentException("healthPath: '" + path + "' (expected: a path starting with /, or \"\")");
      }
      this.healthPath = path;
      return this;
    }

    /** Runs handlers on {@code executor}, which the caller then owns and shuts down. */
    public Builder executor(ExecutorService executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** The listen backlog; 0 (default) takes the system's. */
    public Builder backlog(int backlog) {
      this.backlog = backlog;
      return this;
    }

    /** Whether {@code mesh.server.requests} publishes percentile histograms. Default false. */
    public Builder percentileHistograms(boolean v) {
      this.percentileHistograms = v;
      return this;
    }

    /**
     * Binds the server, starts it, and registers its endpoint if {@linkplain #register asked}.
     *
     * @throws UncheckedIOException when the address cannot be bound
     * @throws IllegalStateException when no handler was given
     */
    public MeshHttpServer start() {
      if (handlers.isEmpty()) throw new IllegalStateException("handlers: none (expected: at least one handler(path, handler))");
      try {
        return new MeshHttpServer(this).start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot bind " + host + ":" + port + ": " + e.getMessage(), e);
      }
    }
  }
}
