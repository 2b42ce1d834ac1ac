package io.meshwork.core.inbound;

import io.meshwork.core.Deadline;
import io.meshwork.core.internal.RealCancellation;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;

/**
 * One request being served, from {@link InboundGuard#begin}: the context its handler must run
 * in (with the verified caller identity, the deadline and the server span), or the guard's
 * {@link Refusal} when the handler must not run. Closing it ends the request's {@link
 * io.meshwork.core.Cancellation} (listeners that have not run never will), records {@code mesh.server.requests}, ends the server
 * span and writes the access log line (DEBUG, logger {@code meshwork.access}), exactly once.
 *
 * <p>Threading: {@link #status} and {@link #close} may be called on another thread than the one
 * that began the call (asynchronous servlets), as long as the hand-off is safely published.
 */
public final class InboundCall implements AutoCloseable {
  private static final VarHandle CLOSED;

  static {
    try {
      CLOSED = MethodHandles.lookup().findVarHandle(InboundCall.class, "closed", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final InboundGuard guard;
  private final Context context;
  private final RealCancellation cancellation;
  private final Span span;
  private final boolean http;
  private final Deadline deadline;
  private final Refusal refusal;
  private final int route;
  private final int attempt;
  private final long startNanos;
  private final String traceId;
  private final String caller;
  private volatile int status;
  private volatile boolean cancelled;
  private volatile String errorType;
  @SuppressWarnings("unused") // through CLOSED
  private volatile boolean closed;

  InboundCall(InboundGuard guard, Context context, RealCancellation cancellation, Span span, boolean http, Deadline deadline, Refusal refusal,
      int route, int attempt, long startNanos, String traceId, String caller) {
    this.guard = guard;
    this.context = context;
    this.cancellation = cancellation;
    this.span = span;
    this.http = http;
    this.deadline = deadline;
    this.refusal = refusal;
    this.route = route;
    this.attempt = attempt;
    this.startNanos = startNanos;
    this.traceId = traceId;
    this.caller = caller;
  }

  /**
   * The context to run the handler in ({@code try (Scope s = call.context().makeCurrent())}): the
   * server span (a child of the caller's trace context), the deadline, and the caller's verified
   * identity ({@link io.meshwork.core.MeshContext#callerIdentity}), so mesh calls the handler
   * makes are children of this request's span and inherit its deadline.
   */
  public Context context() {
    return context;
  }

  /**
   * The request's server span, for the transport to add its own attributes; ended by {@link
   * #close()}. A non-recording span when tracing is off.
   */
  public Span span() {
    return span;
  }

  /** The request's deadline (the caller's, or one inherited from the parent context), or {@code null}. */
  public Deadline deadline() {
    return deadline;
  }

  /** The caller's {@code mesh-attempt}: 0 for a first try, 2 for the first retry, and so on. */
  public int attempt() {
    return attempt;
  }

  /** Whether the request must be refused without running the handler ({@link #refusal()} says why). */
  public boolean refused() {
    return refusal != null;
  }

  /**
   * Why the request is refused: the rule ({@link Refusal#kind()}, for the transport to map to its
   * status, which it then records with {@link #status}) and the message for the caller; {@code
   * null} when the handler may run. A refused request is recorded as outcome {@code refused}
   * with the kind's {@link RefusalKind#errorType()}.
   */
  public Refusal refusal() {
    return refusal;
  }

  /**
   * The request's trace id: its server span's, which continues the caller's trace or starts a
   * new one; the caller's when tracing is off; {@code null} when neither has one.
   */
  public String traceId() {
    return traceId;
  }

  /**
   * Records the status the response got (100 to 599; gRPC servers the HTTP status their code maps
   * to), for a refused request the status the transport refused it with; an unknown status is
   * recorded as 500.
   */
  public void status(int code) {
    this.status = code;
  }

  /**
   * Records that the handler failed with {@code error}: the span gets {@code error.type} (the
   * exception's class name) and an error status. The status still comes from {@link #status}.
   */
  public void failed(Throwable error) {
    this.errorType = error.getClass().getName();
  }

  /**
   * Records that the client went away before it had the whole response: it closed the connection
   * or cancelled the call. The request is then recorded as cancelled whatever status the handler
   * set: outcome {@code cancelled}, status {@code 499} (the status gRPC's CANCELLED stands for)
   * and error.type {@code cancelled} on {@code mesh.server.requests}, {@code status=cancelled} in the access log. Not a failure of
   * the server: the span gets no error for it (it keeps the handler's status, when there is one).
   * A refused request stays refused. The handler's {@link io.meshwork.core.Cancellation} is
   * cancelled (its listeners run) if it was not yet.
   */
  public void cancelled() {
    this.cancelled = true;
    cancellation.cancel();
  }

  /** Records the request; idempotent. */
  @Override
  public void close() {
    if (!CLOSED.compareAndSet(this, false, true)) return;
    cancellation.end();
    long duration = guard.ticker().nanoTime() - startNanos;
    int set = status;
    boolean known = set >= 100 && set <= 599;
    int s = known ? set : 500;
    boolean gone = cancelled && refusal == null;
    Timer timer = refusal != null ? guard.refusedTimer(caller, route, refusal.kind(), s)
        : guard.timer(caller, route, gone ? InboundGuard.CANCELLED_SLOT : s);
    timer.record(duration, TimeUnit.NANOSECONDS);
    ServerSpans.end(span, http, gone ? (known ? s : 0) : s, errorType);
    if (InboundGuard.accessLog.isDebugEnabled()) {
      InboundGuard.accessLog.debug("server service={} route={} caller={} status={} duration={}us attempt={} trace={}{}",
          guard.service(), InboundGuard.route(route), caller, gone ? "cancelled" : s, duration / 1000,
          attempt == 0 ? 1 : attempt, traceId == null ? "-" : traceId,
          refusal == null ? "" : " refused=" + refusal.kind().errorType());
    }
  }
}
