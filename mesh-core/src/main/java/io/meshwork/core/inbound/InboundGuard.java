package io.meshwork.core.inbound;

import io.meshwork.core.Deadline;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshContext;
import io.meshwork.core.Ticker;
import io.meshwork.core.internal.CallerIdentity;
import io.meshwork.core.internal.InboundCallers;
import io.meshwork.core.internal.MeshAccess;
import io.meshwork.core.internal.OwnedMeters;
import io.meshwork.core.internal.RealCancellation;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.ServiceSnapshot;
import io.meshwork.core.registry.Watch;
import io.meshwork.core.wire.AttemptHeader;
import io.meshwork.core.wire.TimeoutHeader;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.Collections;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of a mesh call, for any transport: reads the caller's remaining deadline
 * ({@code mesh-timeout-ms}) and trace context (the mesh's OpenTelemetry propagators) from the
 * request, starts the server span, builds the {@link Context} the handler runs in (the span
 * current, the deadline, the request's {@link io.meshwork.core.Cancellation} and the verified
 * caller identity set), decides whether the call may run
 * at all, and records {@code mesh.server.requests}.
 *
 * <pre>{@code
 * InboundGuard guard = InboundGuard.create(mesh);      // once per server; close() with the server
 * try (InboundCall in = guard.begin(request)) {        // per request
 *   Refusal r = in.refusal();
 *   if (r != null) { int s = myStatusFor(r.kind()); in.status(s); respond(s, r.message()); return; }
 *   try (Scope s = in.context().makeCurrent()) {
 *     handle(request);                                 // mesh calls made here inherit deadline and trace
 *   }
 *   in.status(responseStatus);
 * }
 * }</pre>
 *
 * <p><b>The inbound rule</b>, one for every transport, from what the transport knows of the
 * call ({@link InboundRequest#tls()}, {@link InboundRequest#peerIdentity()}, the deadline) and
 * what the registry says of this service (watched from {@link #create} until {@link #close}). A
 * call is refused ({@link InboundCall#refusal()}, a {@link Refusal}) before its handler runs, for
 * the first of these rules it breaks:
 *
 * <ol>
 *   <li>{@link RefusalKind#IDENTITY_REQUIRED}: the mode is {@code strict} and the call has no
 *       verified client identity, whether it came over plaintext or over TLS without a client
 *       certificate (strict means mutual TLS on every call; an identity claimed without TLS
 *       counts as none);
 *   <li>{@link RefusalKind#ACCESS_DENIED}: the service's {@code server.allow} does not list the
 *       caller (service names in the registry's trust domain, SPIFFE IDs, or {@code *} for
 *       anyone); a caller without an identity is denied unless {@code *} is allowed. Whatever
 *       the mode;
 *   <li>{@link RefusalKind#DEADLINE_PASSED}: the call's deadline (the caller's {@code
 *       mesh-timeout-ms}, or one inherited from the parent context, as gRPC's) has passed.
 * </ol>
 *
 * Transports map the kind to their status and send {@link Refusal#message()}, which names the
 * service and the rule. The caller identity goes into the handler's context ({@link
 * MeshContext#callerIdentity}) only here: nothing else can set it.
 *
 * <p>Spans: one SERVER span per request, a child of the extracted trace context, through the
 * mesh's {@code OpenTelemetry} (tracer {@value #INSTRUMENTATION_SCOPE}). For HTTP transports (an
 * {@link InboundRequest#scheme()}) it follows the HTTP semantic conventions: name {@code {method}}
 * or {@code {method} {route}}; {@code http.request.method}, {@code url.scheme}, {@code url.path},
 * {@code url.query}, {@code http.route}, {@code server.address}, {@code server.port} (from the
 * Host header), {@code client.address}, {@code network.peer.*}, {@code user_agent.original};
 * {@code http.response.status_code} and, for 5xx or a failure, {@code error.type}. Other
 * transports get the span named after their method and add their own attributes through {@link
 * InboundCall#span()}. The span ends when the {@link InboundCall} closes.
 *
 * <p>Malformed headers never fail a request: a bad {@code mesh-timeout-ms} is ignored, a bad
 * {@code traceparent} is not extracted, and both are counted on {@code
 * mesh.server.malformed.headers{header=...}}.
 *
 * <p>Meters: {@code mesh.server.requests} is a timer tagged service, route (the request method,
 * from a fixed set; never a path), caller, outcome ({@code success} below 500, {@code failure},
 * {@code refused}, {@code cancelled} when the client went away first: {@link
 * InboundCall#cancelled()}, status 499), status (the HTTP status as a string; gRPC servers record
 * the HTTP status their code maps to, as gRPC over HTTP does: OK 200, UNAVAILABLE 503,
 * DEADLINE_EXCEEDED 504) and error.type, after OpenTelemetry's attribute: {@code none} for a
 * success, the status for a failure, {@code cancelled} for a cancelled request, and for a refused
 * one the rule that refused it ({@link RefusalKind#errorType()}: {@code identity-required}, {@code
 * access-denied}, {@code deadline-exceeded}), with the status the transport answered it with
 * (gRPC's mapped to HTTP). The caller tag comes from the verified caller identity the transport
 * read in the TLS session ({@link InboundRequest#peerIdentity()}, never a header): the service name of a mesh identity ({@code
 * spiffe://<trust domain>/service/<name>}), {@code other} for any other SPIFFE ID, {@code unknown}
 * when the call came without one (plaintext). Its values are bounded by the identities the trust
 * bundle can vouch for. Timers are resolved once per caller, route and status and kept in arrays.
 *
 * <p>Callers: every decision is also counted per caller identity for {@link
 * Mesh#inboundCallers()} (accepted, or refused by kind, and when last seen), shared by every guard
 * of the mesh.
 *
 * <p>Thread-safe; one guard serves every request of a server. {@link #begin} costs a few header
 * lookups, the propagator's extraction, a volatile read of the registry snapshot, one hash lookup
 * for the access policy (rebuilt only when the policy or trust domain changes), one for the
 * caller's counts and one small object.
 */
public final class InboundGuard implements AutoCloseable {
  /** Timer of served requests. */
  public static final String REQUESTS = "mesh.server.requests";
  /** Counter of malformed mesh and trace headers, tagged {@code header}. */
  public static final String MALFORMED_HEADERS = "mesh.server.malformed.headers";
  /** The caller tag of a call without a verified identity. */
  static final String UNKNOWN_CALLER = "unknown";
  /** The caller tag of a verified identity that is not a mesh service's. */
  static final String OTHER_CALLER = "other";
  private static final String SERVICE_PATH = "/service/";
  static final String TRACEPARENT = "traceparent";
  /** The name of the tracer that makes server spans. */
  public static final String INSTRUMENTATION_SCOPE = "io.meshwork.inbound";

  static final Logger accessLog = LoggerFactory.getLogger("meshwork.access");
  private static final Logger log = LoggerFactory.getLogger(InboundGuard.class);

  // Bounded route tag values: the standard HTTP methods, anything else is "other".
  private static final String[] ROUTES = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT", "other"
  };
  // Per route: statuses 100..599 at their own index and CANCELLED_SLOT for requests whose client
  // went away. Refused requests have timers of their own (refusedTimers).
  static final int CANCELLED_SLOT = 600;
  /** The status tag of a request whose client went away: gRPC's CANCELLED stands for 499. */
  static final int CANCELLED_STATUS = 499;
  private static final int SLOTS = 601;

  private final String service;
  private final Ticker ticker;
  private final OwnedMeters meters;
  private final InboundCallers callers;
  private final TextMapPropagator propagator;
  private final Tracer tracer;
  private final boolean checksTraceparent;
  private final boolean percentileHistograms;
  private final Counter malformedTimeout;
  private final Counter malformedTraceparent;
  private final AtomicReferenceArray<Timer> timers = new AtomicReferenceArray<>(ROUTES.length * SLOTS);
  /** Timers of calls with a caller identity, per caller tag; bounded by the services of the mesh. */
  private final ConcurrentHashMap<String, AtomicReferenceArray<Timer>> callerTimers = new ConcurrentHashMap<>();
  /** Timers of refused requests; bounded by callers, routes, kinds and the statuses transports map kinds to. */
  private final ConcurrentHashMap<RefusedKey, Timer> refusedTimers = new ConcurrentHashMap<>();
  /** The registry's view of this service: TLS mode, trust domain, access policy. */
  private final Watch self;
  /** The access policy in force, rebuilt when the registry's policy or trust domain changes. */
  private volatile AccessRule access;

  private record RefusedKey(String caller, int route, RefusalKind kind, int status) {}

  private InboundGuard(Mesh mesh, boolean percentileHistograms) {
    this.service = mesh.serviceName();
    this.ticker = mesh.ticker();
    this.meters = MeshAccess.meters(mesh);
    this.callers = MeshAccess.inboundCallers(mesh);
    this.propagator = mesh.openTelemetry().getPropagators().getTextMapPropagator();
    this.tracer = mesh.openTelemetry().getTracer(INSTRUMENTATION_SCOPE);
    this.checksTraceparent = propagator.fields().contains(TRACEPARENT);
    this.percentileHistograms = percentileHistograms;
    this.malformedTimeout = malformedCounter(TimeoutHeader.NAME);
    this.malformedTraceparent = malformedCounter(TRACEPARENT);
    this.self = mesh.registry().watch(service, snapshot -> {}); // the first snapshot arrives before this returns
  }

  /**
   * A guard for the servers of {@code mesh}'s service, without percentile histograms. It watches
   * the service in the registry until {@link #close()}.
   */
  public static InboundGuard create(Mesh mesh) {
    return new InboundGuard(mesh, false);
  }

  /** A guard whose request timer publishes percentile histograms (for Prometheus) when asked. */
  public static InboundGuard create(Mesh mesh, boolean percentileHistograms) {
    return new InboundGuard(mesh, percentileHistograms);
  }

  /** The service this guard serves. */
  public String service() {
    return service;
  }

  /**
   * Stops watching the service in the registry; requests begun later are decided by the last
   * snapshot seen. Idempotent.
   */
  @Override
  public void close() {
    self.close();
  }

  /** Starts handling {@code request} with the current context as parent (normally the root). */
  public InboundCall begin(InboundRequest request) {
    return begin(request, Context.current());
  }

  /**
   * Starts handling {@code request}: parses its headers, starts its server span and builds its
   * context on top of {@code parent}. The returned call must be closed once the response status
   * is known; closing it ends the span.
   */
  public InboundCall begin(InboundRequest request, Context parent) {
    long start = ticker.nanoTime();
    int route = routeIndex(request.method());

    Deadline deadline = null;
    String timeoutValue = request.header(TimeoutHeader.NAME);
    if (timeoutValue != null) {
      TimeoutHeader.Parsed parsed = TimeoutHeader.parse(timeoutValue);
      if (parsed.valid()) {
        deadline = Deadline.afterNanos(parsed.millis() * 1_000_000L, ticker);
      } else {
        malformedTimeout.increment();
        log.debug("{}: ignoring malformed {} header: {}", service, TimeoutHeader.NAME, parsed.problem());
      }
    }

    boolean tls = request.tls();
    // An identity the transport claims without TLS was verified by nothing: none.
    String caller = tls ? request.peerIdentity() : null;
    Context extracted = propagator.extract(CallerIdentity.with(parent, caller), request, Getter.INSTANCE);
    SpanContext remote = Span.fromContext(extracted).getSpanContext();
    if (checksTraceparent && !(remote.isValid() && remote.isRemote()) && request.header(TRACEPARENT) != null) {
      malformedTraceparent.increment();
      log.debug("{}: ignoring malformed traceparent header", service);
    }
    Span span = ServerSpans.start(tracer, request, extracted);
    Context context = extracted.with(span);
    if (deadline != null) {
      context = MeshContext.withDeadline(context, deadline);
    }
    Deadline effective = MeshContext.deadline(context);
    RealCancellation cancellation = new RealCancellation(effective, ticker);
    context = cancellation.storeIn(context);

    Refusal refusal = decide(self.current(), tls, caller, request, effective, deadline != null ? timeoutValue : null);
    callers.entry(caller).record(refusal == null ? null : refusal.kind(), start);
    int attempt = AttemptHeader.parse(request.header(AttemptHeader.NAME));
    SpanContext own = span.getSpanContext();
    String traceId = own.isValid() ? own.getTraceId() : remote.isValid() ? remote.getTraceId() : null;
    return new InboundCall(this, context, cancellation, span, request.scheme() != null, effective, refusal, route,
        attempt, start, traceId, callerTag(caller));
  }

  /**
   * The inbound rule (see the class comment): {@code null} to admit the call, else the first rule
   * it breaks.
   *
   * @param timeoutValue the caller's valid {@code mesh-timeout-ms}, or {@code null} when the
   *     deadline (if any) was inherited
   */
  private Refusal decide(ServiceSnapshot snapshot, boolean tls, String caller, InboundRequest request,
      Deadline deadline, String timeoutValue) {
    if (caller == null && snapshot.mesh().tls() == TlsMode.STRICT) {
      return new Refusal(RefusalKind.IDENTITY_REQUIRED, service + ": this service requires mutual TLS (mesh TLS mode"
          + " is strict): every call needs a verified client identity, but this call came " + (tls
              ? "over TLS without a client certificate (a connection opened before the mode changed)"
              : "over plaintext (a client without a MeshTls, a server without a MeshTls, or a connection opened"
                  + " before the mode changed)"));
    }
    AccessRule rule = access;
    String trustDomain = snapshot.mesh().trustDomain();
    if (rule == null || !rule.isFor(snapshot.config().server(), trustDomain)) {
      rule = AccessRule.of(snapshot.config().server(), trustDomain);
      access = rule; // racing rebuilds build equal rules
    }
    String denial = rule.denial(caller);
    if (denial != null) {
      return new Refusal(RefusalKind.ACCESS_DENIED, service + ": " + denial);
    }
    if (deadline != null && deadline.isExpired(ticker)) {
      String what = request.scheme() == null && request.method() != null ? request.method() : "the request";
      return new Refusal(RefusalKind.DEADLINE_PASSED, service + ": deadline exceeded before " + what
          + " was handled (" + (timeoutValue != null
              ? "the caller's " + TimeoutHeader.NAME + " was " + timeoutValue.strip() + " ms"
              : "the caller's deadline had passed") + ")");
    }
    return null;
  }

  // ---- for InboundCall -------------------------------------------------------------------

  Ticker ticker() {
    return ticker;
  }

  static String route(int index) {
    return ROUTES[index];
  }

  /**
   * The caller tag of a verified caller identity (a SPIFFE ID string), or of none: the service
   * name of {@code spiffe://<trust domain>/service/<name>}, else {@value #OTHER_CALLER}; {@value
   * #UNKNOWN_CALLER} without one. Allocates only for mesh identities (one substring).
   */
  static String callerTag(String spiffeId) {
    if (spiffeId == null) return UNKNOWN_CALLER;
    int scheme = spiffeId.indexOf("://");
    int path = scheme < 0 ? -1 : spiffeId.indexOf('/', scheme + 3);
    if (path < 0 || !spiffeId.startsWith(SERVICE_PATH, path)) return OTHER_CALLER;
    int name = path + SERVICE_PATH.length();
    if (name == spiffeId.length() || spiffeId.indexOf('/', name) >= 0) return OTHER_CALLER;
    return spiffeId.substring(name);
  }

  Timer timer(String caller, int route, int slot) {
    AtomicReferenceArray<Timer> array = UNKNOWN_CALLER.equals(caller) ? timers
        : callerTimers.computeIfAbsent(caller, c -> new AtomicReferenceArray<>(ROUTES.length * SLOTS));
    int i = route * SLOTS + slot;
    Timer t = array.get(i);
    if (t == null) {
      boolean cancelled = slot == CANCELLED_SLOT;
      int status = cancelled ? CANCELLED_STATUS : slot;
      String outcome = cancelled ? "cancelled" : status < 500 ? "success" : "failure";
      String statusTag = Integer.toString(status);
      t = requestTimer(caller, route, outcome, statusTag,
          cancelled ? "cancelled" : status < 500 ? "none" : statusTag);
      array.compareAndSet(i, null, t);
    }
    return t;
  }

  /** The timer of requests refused for {@code kind} and answered with {@code status} (HTTP, or gRPC's mapped). */
  Timer refusedTimer(String caller, int route, RefusalKind kind, int status) {
    return refusedTimers.computeIfAbsent(new RefusedKey(caller, route, kind, status),
        k -> requestTimer(caller, route, "refused", Integer.toString(status), kind.errorType()));
  }

  private Timer requestTimer(String caller, int route, String outcome, String status, String errorType) {
    return meters.timer(Timer.builder(REQUESTS)
        .description("Requests served by this service")
        .tag("service", service)
        .tag("route", ROUTES[route])
        .tag("caller", caller)
        .tag("outcome", outcome)
        .tag("status", status)
        .tag("error.type", errorType)
        .publishPercentileHistogram(percentileHistograms));
  }

  private Counter malformedCounter(String header) {
    return meters.counter(Counter.builder(MALFORMED_HEADERS)
        .description("Malformed mesh or trace headers ignored by the inbound guard")
        .tag("service", service)
        .tag("header", header));
  }

  private static int routeIndex(String method) {
    if (method != null) {
      for (int i = 0; i < ROUTES.length - 1; i++) {
        if (ROUTES[i].equals(method)) return i;
      }
      String upper = method.toUpperCase(Locale.ROOT);
      for (int i = 0; i < ROUTES.length - 1; i++) {
        if (ROUTES[i].equals(upper)) return i;
      }
    }
    return ROUTES.length - 1;
  }

  private enum Getter implements TextMapGetter<InboundRequest> {
    INSTANCE;

    @Override
    public Iterable<String> keys(InboundRequest carrier) {
      return carrier.headerNames();
    }

    @Override
    public String get(InboundRequest carrier, String key) {
      return carrier == null ? null : carrier.header(key.toLowerCase(Locale.ROOT));
    }

    @Override
    public Iterator<String> getAll(InboundRequest carrier, String key) {
      return carrier == null ? Collections.emptyIterator() : carrier.headers(key.toLowerCase(Locale.ROOT)).iterator();
    }
  }
}
