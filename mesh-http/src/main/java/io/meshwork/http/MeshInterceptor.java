package io.meshwork.http;

import io.meshwork.core.Attempt;
import io.meshwork.core.Call;
import io.meshwork.core.DeadlineExceededException;
import io.meshwork.core.Decision;
import io.meshwork.core.Destination;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshException;
import io.meshwork.core.NoEndpointsException;
import io.meshwork.core.Outcome;
import io.meshwork.core.Ticker;
import io.meshwork.core.model.Address;
import io.meshwork.core.model.Protocol;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.wire.AttemptHeader;
import io.meshwork.core.wire.TimeoutHeader;
import io.meshwork.tls.MeshTls;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OkHttp application interceptor that sends a call through the mesh when its URL's host
 * names a mesh service ({@code http://greeter/hello}); any other host passes through untouched.
 * Installed by {@link MeshHttp}; users do not add or order it themselves.
 *
 * <p>Per call it drives the engine's loop (see {@link Call}): ask for an attempt, rewrite the
 * URL to the endpoint picked, send with the attempt's timeout as OkHttp's connect, read and
 * write timeouts, report the outcome, follow the decision. On a retry it closes the previous
 * response first and waits the backoff on the calling thread (the engine never sleeps).
 *
 * <p>Headers added to every attempt: {@code mesh-timeout-ms} (the remaining deadline), {@code
 * mesh-attempt} on retries, and the trace context through the mesh's OpenTelemetry propagators.
 *
 * <p>Tracing: every attempt, and every pass-through request, gets its own CLIENT span (HTTP
 * semantic conventions, see {@link ClientSpans}) as a child of the caller's current context, and
 * the trace headers injected into that attempt's request name that span as the parent. So a
 * retried attempt is a sibling span with {@code http.request.resend_count}, and a server behind
 * any host, mesh service or not, continues the trace. The mesh headers are added to mesh calls
 * only.
 *
 * <p>Safety: a request is idempotent only for GET, HEAD, PUT, DELETE, OPTIONS and TRACE, or when
 * the application tagged it {@link Idempotent} ({@code tag(Idempotent.class, Idempotent.YES)}, read
 * when the mesh call is created), and only with a replayable body; the engine retries anything else only when the request provably never left
 * (connect-phase failure), so a one-shot body is never written twice. Every retry to another
 * endpoint, or after a backoff, is the mesh's, under its budget. OkHttp's own connection-failure
 * recovery is switched off for non-idempotent mesh calls, and kept for idempotent ones, where,
 * each attempt addressing one IP endpoint, all it does is send again on a fresh connection when
 * a pooled one turns out to be closed (a server's idle timeout, e.g. the JDK server's 30 s,
 * against OkHttp's 5 minutes): at most once per attempt, to the same endpoint, within the
 * attempt's timeout. Without it every idempotent call after an idle spell would fail with a
 * reset. A non-idempotent request whose pooled connection was closed fails with a reset instead
 * (OkHttp checks a pooled connection's health more thoroughly before non-GET requests, so this
 * is rare). Pass-through requests keep the client's own setting.
 *
 * <p>Mutual TLS (a client with a {@link MeshTls}): each attempt reads the registry's mode for
 * the destination; unless it is {@code disabled}, the attempt goes to {@code https://<endpoint>}
 * with the destination's own TLS settings on the chain ({@link ClientTls}: this workload's
 * certificate, and only the server identity the registry expects accepted, in place of host
 * names). A client without one refuses every call while the mode is {@code strict}, before the
 * engine sees it ({@link IdentityRequiredException}). Pass-through requests keep the client's own
 * TLS settings.
 *
 * <p>Known limits: redirects are followed by OkHttp inside one attempt, and only to the URL the
 * server names (a redirect to another mesh host is not resolved by the mesh; over mesh TLS, a
 * redirect to another HTTPS host must prove the destination's identity, so it fails); a per-try
 * timeout shorter than the call's deadline is still OkHttp's (connect, read and write timeouts,
 * each bounding one operation), as cancelling would end the whole OkHttp call.
 *
 * <p>Deadline: the call's deadline is a hard bound. A {@link Watchdog} on the process's one timer
 * cancels the OkHttp call when it passes, whatever OkHttp is doing (connecting, waiting for the
 * pool, its own stale-connection retry, a read of a trickling body), and stays armed until the
 * application closes the response body or reads it to the end. The caller then sees the mesh's
 * {@link DeadlineExceededException} in a {@link MeshIOException}, from {@code execute()}, from
 * {@code enqueue()}'s {@code onFailure} or from a read of the body.
 *
 * <p>Thread-safe; cost per mesh call: a destination lookup (a cache hit), one request rebuild per
 * attempt, the engine's decision, one timer task scheduled and cancelled, and the response
 * rebuilt once around the watched body.
 */
public final class MeshInterceptor implements Interceptor {
  private static final Logger accessLog = LoggerFactory.getLogger("meshwork.access");
  private static final TextMapSetter<Request.Builder> SETTER = (b, k, v) -> b.header(k, v);
  private static final long BACKOFF_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final Mesh mesh;
  private final Ticker ticker;
  private final TextMapPropagator propagator;
  private final boolean propagates;
  private final ClientSpans spans;
  private final EndpointUrls endpointUrls = new EndpointUrls();
  /** Mutual TLS for mesh calls; {@code null} for a client without a workload identity. */
  private final ClientTls tls;
  /** HTTP active health checking of the destinations this client calls (see {@link HealthChecker}). */
  private final HealthChecker health;

  MeshInterceptor(Mesh mesh, MeshTls tls) {
    this.mesh = mesh;
    this.tls = tls == null ? null : new ClientTls(mesh, tls);
    this.health = new HealthChecker(mesh, this.tls);
    this.ticker = mesh.ticker();
    this.propagator = mesh.openTelemetry().getPropagators().getTextMapPropagator();
    this.propagates = !propagator.fields().isEmpty();
    this.spans = new ClientSpans(mesh.openTelemetry().getTracer(ClientSpans.INSTRUMENTATION_SCOPE));
  }

  /** The mesh this interceptor sends through. */
  public Mesh mesh() {
    return mesh;
  }

  /** The workload identity mesh calls speak mutual TLS with, or {@code null} (plaintext only). */
  public MeshTls tls() {
    return tls == null ? null : tls.tls();
  }

  /** This client's health checker (for tests). */
  HealthChecker healthChecker() {
    return health;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    CallStarts.Start made = CallStarts.of(chain.call());
    if (made == null) {
      // A client whose event listener factory was replaced after configuration: no start recorded.
      return intercept(chain, ticker.nanoTime(), new Watchdog(chain.call()));
    }
    if (made.context() == Context.current()) {
      return intercept(chain, made.nanos(), made);
    }
    // An enqueue()d call on a dispatcher thread: it runs in the context it was made in, so its
    // deadline and trace are the caller's.
    try (Scope ignored = made.context().makeCurrent()) {
      return intercept(chain, made.nanos(), made);
    }
  }

  /**
   * {@code start}: when the application made the call (ticker reading); {@code watchdog}: the
   * call's, armed here for a mesh call.
   */
  private Response intercept(Chain chain, long start, Watchdog watchdog) throws IOException {
    Request request = chain.request();
    Destination destination = destination(request.url());
    if (destination == null) {
      return passThrough(chain, request);
    }
    WarmUpTarget warmUp = request.tag(WarmUpTarget.class);
    if (warmUp != null) {
      return warmUp(chain, request, destination, warmUp);
    }
    health.watch(destination);
    if (tls == null && destination.snapshot().mesh().tls() == TlsMode.STRICT) {
      // Refused before the engine sees the call: nothing can be sent, so nothing is measured.
      MeshException e = new IdentityRequiredException(destination.service());
      logAccess(destination.service(), "-", "-", e, 0, start, Span.current());
      throw new MeshIOException(e);
    }
    OkHttpMeshRequest meshRequest = new OkHttpMeshRequest(request);
    Call call;
    try {
      call = destination.newCall(meshRequest, start);
    } catch (MeshException e) {
      logAccess(destination.service(), "-", "-", e, 0, start, Span.current());
      throw new MeshIOException(e);
    }
    // The hard bound: whatever OkHttp is doing when the deadline passes, the call is cancelled
    // then, and the watchdog stays armed until the response body is closed (see Watchdog).
    watchdog.arm(ticker, call.deadline());
    try (call) {
      // OkHttp's recovery stays on for idempotent requests only, see the class comment.
      return send(chain.withRetryOnConnectionFailure(meshRequest.idempotent()), request, destination, call, start,
          watchdog);
    } catch (MeshIOException e) {
      watchdog.disarm();
      throw e;
    } catch (IOException e) {
      boolean fired = watchdog.fired();
      watchdog.disarm();
      if (!fired) throw e;
      // Cancelled by the watchdog outside an attempt (e.g. while backing off): the deadline's doing.
      MeshException late = new DeadlineExceededException(call.service(), "deadline exceeded after "
          + call.attempts() + (call.attempts() == 1 ? " attempt" : " attempts")
          + " (the mesh cancelled the call at its deadline)", e, call.attempts() > 0);
      throw new MeshIOException(late);
    } catch (RuntimeException | Error e) {
      watchdog.disarm();
      throw e;
    }
  }

  /** A request to a host that is not a mesh service: sent as is, with a span and the trace headers. */
  private Response passThrough(Chain chain, Request request) throws IOException {
    Context parent = Context.current();
    Span span = spans.start(parent, request.method(), request.url(), null, 0);
    Request sent = request;
    if (propagates) {
      Request.Builder b = request.newBuilder();
      propagator.inject(with(parent, span), b, SETTER);
      sent = b.build();
    }
    try {
      Response response = chain.proceed(sent);
      ClientSpans.end(span, response);
      return response;
    } catch (IOException | RuntimeException | Error e) {
      ClientSpans.end(span, e);
      throw e;
    }
  }

  private Response send(Chain chain, Request request, Destination destination, Call call, long start,
      Watchdog watchdog) throws IOException {
    okhttp3.Call okCall = chain.call();
    Context parent = Context.current();
    String service = call.service();
    Span span = Span.fromContext(parent); // the last attempt's span, once there is one
    while (true) {
      if (okCall.isCanceled()) {
        throw new IOException("Canceled");
      }
      Attempt attempt;
      try {
        attempt = call.nextAttempt();
      } catch (MeshException e) {
        logAccess(call.service(), call.route(), "-", e, call.attempts(), start, span);
        throw new MeshIOException(e);
      }
      // The endpoint's port named http when it names its ports (HTTPS too: TLS is negotiated on
      // that port), else its address; logs name what was contacted.
      Address address = attempt.endpoint().addressFor(Protocol.HTTP);
      // Each attempt reads the mode, so a change in the registry reaches the next one.
      boolean secure = tls != null && destination.snapshot().mesh().tls() != TlsMode.DISABLED;
      HttpUrl url = secure ? endpointUrls.resolve(request.url(), address, "https") : endpointUrls.resolve(request.url(), address);
      span = spans.start(parent, request.method(), url, service, attempt.number() - 1);
      Request sent = rewrite(request, url, attempt, with(parent, span));
      int timeoutMillis = timeoutMillis(attempt.timeoutNanos());

      Response response = null;
      IOException failure = null;
      Outcome outcome;
      try {
        response = (secure ? tls.secure(chain, service) : chain)
            .withConnectTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
            .withReadTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
            .withWriteTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
            .proceed(sent);
        outcome = Outcome.http(response.code());
        ClientSpans.end(span, response);
      } catch (IOException e) {
        failure = e;
        // Cut by the watchdog: the attempt ran out of time (and the call's deadline has passed,
        // so the engine fails the call with DeadlineExceededException), it was not the caller's.
        outcome = watchdog.fired() ? Outcome.timeout() : Outcomes.of(e, okCall.isCanceled());
        ClientSpans.end(span, e);
      } catch (RuntimeException | Error e) {
        ClientSpans.end(span, e);
        attempt.complete(Outcome.error(e, true));
        throw e;
      }

      Decision decision = attempt.complete(outcome);
      if (decision.isRetry() && !(outcome.requestSent() && !OkHttpMeshRequest.replayable(request.body()))) {
        if (response != null) response.close(); // frees the connection for the next attempt
        backoff(decision.backoffNanos(), okCall);
        continue;
      }
      if (decision.isFail()) {
        if (response != null) response.close();
        logAccess(call.service(), call.route(), address, decision.failure(), call.attempts(), start, span);
        throw new MeshIOException(decision.failure());
      }
      if (!outcome.isSuccess() && outcome.kind() != Outcome.Kind.CANCELLED && call.deadline().isExpired(ticker)) {
        // The answer came too late to count: whatever the server said (often a 504 from a hop
        // that ran out of the same deadline), this call's deadline has passed.
        if (response != null) response.close();
        MeshException late = new DeadlineExceededException(call.service(), "deadline exceeded after "
            + call.attempts() + (call.attempts() == 1 ? " attempt" : " attempts") + "; last: "
            + outcome.describe() + " from " + address, failure, true);
        logAccess(call.service(), call.route(), address, late, call.attempts(), start, span);
        throw new MeshIOException(late);
      }
      logAccess(call.service(), call.route(), address, outcome.statusLabel(), call.attempts(), start, span);
      if (response != null) return watched(response, watchdog, service, address);
      throw failure;
    }
  }

  /** {@code response} with a body that keeps the watchdog armed until it is closed or read to the end. */
  private static Response watched(Response response, Watchdog watchdog, String service, Address address) {
    ResponseBody body = response.body();
    return response.newBuilder().body(new WatchedBody(body, watchdog, service, address)).build();
  }

  /**
   * A warm-up request of {@link MeshHttp#warmUp}: sent to the one endpoint it names, with the
   * mesh's TLS, outside the engine (no balancing, retry, budget or meters: it is not a call), so
   * that the connection, its TLS handshake and the classes on the way are ready before the first
   * call.
   */
  private Response warmUp(Chain chain, Request request, Destination destination, WarmUpTarget target)
      throws IOException {
    boolean secure = tls != null && destination.snapshot().mesh().tls() != TlsMode.DISABLED;
    HttpUrl url = secure
        ? endpointUrls.resolve(request.url(), target.address(), "https")
        : endpointUrls.resolve(request.url(), target.address());
    int timeoutMillis = timeoutMillis(target.timeoutNanos());
    return (secure ? tls.secure(chain, destination.service()) : chain)
        .withConnectTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
        .withReadTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
        .withWriteTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
        .proceed(request.newBuilder().url(url).build());
  }

  /**
   * The destination when the URL's host names a service the registry knows, else {@code null}
   * (OkHttp sends the request as usual). One exception: a host that looks like a mesh name (one
   * label, no explicit port) and is within two edits of a service the registry names is taken
   * for a misspelling and fails with {@link NoEndpointsException} saying which service was
   * probably meant, instead of going to DNS. Other one-label hosts ({@code localhost}, a
   * Kubernetes short name) still go to DNS.
   */
  private Destination destination(HttpUrl url) throws IOException {
    String host = url.host();
    if (!MeshHosts.maybeService(host)) return null;
    try {
      // Creates no destination (and no meters) for hosts that are not mesh services.
      Optional<Destination> found = mesh.findDestination(host);
      if (found.isPresent()) return found.get();
      if (host.indexOf('.') < 0 && url.port() == HttpUrl.defaultPort(url.scheme())) {
        Optional<String> meant = mesh.misspelledService(host);
        if (meant.isPresent()) {
          MeshException e = new NoEndpointsException(host,
              "no endpoints (unknown service: the registry does not name it; did you mean " + meant.get() + "?)");
          logAccess(host, "-", "-", e, 0, ticker.nanoTime(), Span.current());
          throw new MeshIOException(e);
        }
      }
      return null;
    } catch (IllegalStateException e) { // the mesh is closed: fail the call, not the dispatcher thread
      throw new IOException(e.getMessage(), e);
    }
  }

  /** The attempt's request: the endpoint's URL, the mesh headers, the trace context of its span. */
  private Request rewrite(Request request, HttpUrl url, Attempt attempt, Context attemptContext) {
    Request.Builder b = request.newBuilder().url(url);
    b.header(TimeoutHeader.NAME, TimeoutHeader.format(attempt.deadline().remainingMillis(ticker)));
    if (attempt.number() > 1) {
      b.header(AttemptHeader.NAME, Integer.toString(attempt.number()));
    } else {
      b.removeHeader(AttemptHeader.NAME);
    }
    propagator.inject(attemptContext, b, SETTER);
    return b.build();
  }

  /** {@code parent} with {@code span} current; {@code parent} itself when the span only propagates parent's. */
  private static Context with(Context parent, Span span) {
    return span.getSpanContext() == Span.fromContext(parent).getSpanContext() ? parent : parent.with(span);
  }

  static int timeoutMillis(long nanos) {
    long ms = (nanos + 999_999) / 1_000_000;
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, ms));
  }

  /** Waits the engine's backoff in small slices, so a cancelled call stops waiting promptly. */
  private void backoff(long nanos, okhttp3.Call okCall) throws IOException {
    long until = ticker.nanoTime() + nanos;
    try {
      long left;
      while ((left = until - ticker.nanoTime()) > 0) {
        if (okCall.isCanceled()) throw new IOException("Canceled");
        long slice = Math.min(left, BACKOFF_SLICE_NANOS);
        TimeUnit.NANOSECONDS.sleep(slice);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while backing off before a retry");
    }
  }

  /**
   * One access log line, at DEBUG on {@code meshwork.access}; {@code endpoint} is an {@code
   * Address} or "-". Formatted only when that logger is enabled at DEBUG.
   */
  private void logAccess(String service, String route, Object endpoint, Object status, int attempts, long start, Span span) {
    if (!accessLog.isDebugEnabled()) return;
    long micros = (ticker.nanoTime() - start) / 1000;
    SpanContext sc = span.getSpanContext();
    String statusText = status instanceof MeshException e ? e.getClass().getSimpleName() + " (" + e.getMessage() + ")" : String.valueOf(status);
    accessLog.debug("client service={} route={} endpoint={} status={} duration={}us attempts={} trace={}",
        service, route, endpoint, statusText, micros, attempts, sc.isValid() ? sc.getTraceId() : "-");
  }
}
