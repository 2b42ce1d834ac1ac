package io.meshwork.grpc;

import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.meshwork.core.Attempt;
import io.meshwork.core.Call;
import io.meshwork.core.Deadline;
import io.meshwork.core.DeadlineExceededException;
import io.meshwork.core.Decision;
import io.meshwork.core.MeshContext;
import io.meshwork.core.MeshException;
import io.meshwork.core.Outcome;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One gRPC call through the mesh, as the application sees it; underneath, one gRPC stream per
 * try. It drives the engine's loop asynchronously:
 *
 * <ol>
 *   <li>{@link #start}: the deadline (the sooner of the call's gRPC deadline and the gRPC and
 *       mesh context's), the trace context into the metadata, then the mesh call (route,
 *       admission). A refusal ends the call with the mapped status before anything is sent.
 *   <li>Per try: a stream on the channel with an {@link AttemptSlot} in its call options and the
 *       try's deadline (the call's, or the policy's per-try timeout if sooner); the picker takes
 *       the engine's attempt and its endpoint's connection.
 *   <li>When the stream closes, its outcome goes to the engine, and the decision is carried out:
 *       hand the result over, fail with the mesh's reason, or wait the backoff on the {@link
 *       Backoffs} timer and start the next try, replaying what the application sent.
 * </ol>
 *
 * <p>Retry safety, on top of the engine's rules (idempotency, policy, deadline, budget): a try
 * is retried only while no response message has reached the application (response headers are
 * held back until the first message or the end, so that a retry cannot show two sets of them);
 * a request stream is replayed only for methods whose client sends one message (unary and
 * server streaming); for client and bidi streaming, a try is retried only while none of the
 * application's messages went out on an earlier try. An attempt that can no longer be retried
 * is reported to the engine as a sent error, which the engine never retries.
 *
 * <p>Threading: the application's calls and the tries' callbacks are serialized with one
 * per-call lock, held while calling into the current stream but never while calling the
 * application's listener (except when a direct-executor channel delivers a callback inside a
 * call the application made).
 */
final class MeshClientCall<ReqT, RespT> extends ClientCall<ReqT, RespT> {
  private static final TextMapSetter<Metadata> SETTER = (m, k, v) -> {
    Metadata.Key<String> key = GrpcMeshRequest.key(k);
    m.discardAll(key);
    m.put(key, v);
  };

  private final MeshClientInterceptor owner;
  private final MethodDescriptor<ReqT, RespT> method;
  private final CallOptions callOptions;
  private final Channel next;
  private final boolean idempotent;
  /** The client sends one message, kept for replay. */
  private final boolean replayable;
  private final io.grpc.Context grpcContext;
  private final Context otelContext;

  private final Object lock = new Object();
  // Guarded by lock.
  private Listener<RespT> listener;
  private Metadata headers;
  private Call meshCall;
  private ClientCall<ReqT, RespT> current;
  private AttemptSlot slot;
  private Metadata heldHeaders;
  private int requested;
  private ReqT message;
  private List<ReqT> pending;
  private boolean sentOnStream;
  private boolean halfClosed;
  private Boolean messageCompression;
  private boolean committed;
  private boolean ended;
  private Status cancelled;
  private ScheduledFuture<?> retry;
  private Span span;
  /** The last stream started (a try, or gRPC's own refusal), for {@link #getAttributes} once it ended. */
  private ClientCall<ReqT, RespT> last;
  /**
   * Whether the call's deadline is the one gRPC itself enforces (the sooner of the caller's
   * {@code CallOptions} and gRPC {@code Context} deadlines), not one the mesh made shorter.
   */
  private boolean callersDeadline;

  MeshClientCall(MeshClientInterceptor owner, MethodDescriptor<ReqT, RespT> method,
      CallOptions callOptions, Channel next, boolean idempotent) {
    this.owner = owner;
    this.method = method;
    this.callOptions = callOptions;
    this.next = next;
    this.idempotent = idempotent;
    this.replayable = method.getType().clientSendsOneMessage();
    this.grpcContext = io.grpc.Context.current();
    this.otelContext = Context.current();
  }

  // ---- the application's side -------------------------------------------------------------

  @Override
  public void start(Listener<RespT> responseListener, Metadata metadata) {
    Status refused;
    synchronized (lock) {
      if (listener != null) throw new IllegalStateException("start() called twice");
      listener = responseListener;
      headers = metadata;
      refused = cancelled;
    }
    if (refused == null) refused = owner.tlsRefusal();
    if (refused == null) {
      // The deadline the caller set on this call is the request's own; the gRPC Context's is
      // inherited, like the mesh context's. The engine applies the sooner of them (and the
      // policy's timeout) and words a passed one as what it is.
      Context context = otelContext;
      io.grpc.Deadline optionsDeadline = callOptions.getDeadline();
      io.grpc.Deadline contextDeadline = grpcContext.getDeadline();
      long now = owner.ticker.nanoTime(); // read first: the mesh's copies never pass after gRPC's
      Deadline own = optionsDeadline == null ? null : meshDeadline(now, optionsDeadline);
      Deadline inherited = contextDeadline == null ? null : meshDeadline(now, contextDeadline);
      if (inherited != null) context = MeshContext.withDeadline(context, inherited);
      Deadline grpcs = own == null ? inherited : own.minimum(inherited);
      try (Scope ignored = context.makeCurrent()) {
        Call call = owner.destination.newCall(new GrpcMeshRequest(metadata, idempotent, own));
        synchronized (lock) {
          meshCall = call;
          callersDeadline = grpcs != null && call.deadline().nanoTime() == grpcs.nanoTime();
          if (cancelled == null) {
            startTry();
            return;
          }
          refused = cancelled;
        }
      } catch (DeadlineExceededException e) {
        if (grpcContext.isCancelled() || expired(optionsDeadline) || expired(contextDeadline)) {
          // gRPC itself refuses this call: let it say so, in its own words.
          refuseAsGrpc(e);
          return;
        }
        refused = Statuses.of(e);
      } catch (MeshException e) {
        refused = Statuses.of(e);
      }
    }
    finish(refused, new Metadata());
  }

  /**
   * Ends a call whose gRPC deadline (the caller's {@code CallOptions} or gRPC {@code Context}
   * deadline) passed before it started, as plain gRPC does: a stream of the channel itself, which
   * gRPC's {@code ClientCall} fails before it reaches the picker (the deadline has passed, or the
   * context is cancelled) with its own status, description and trailers; the mesh's refusal
   * becomes the status's cause.
   */
  private void refuseAsGrpc(MeshException reason) {
    ClientCall<ReqT, RespT> c = newCallInCallersContext(callOptions);
    synchronized (lock) {
      current = c;
      last = c;
    }
    c.start(new Listener<RespT>() {
      @Override
      public void onClose(Status status, Metadata trailers) {
        finish(status.withCause(reason), trailers);
      }
    }, headers);
  }

  /**
   * A stream of the channel created in the caller's gRPC context, whose deadline and
   * cancellation gRPC applies to it (and names as the context's, as it would for the caller).
   */
  private ClientCall<ReqT, RespT> newCallInCallersContext(CallOptions options) {
    io.grpc.Context previous = grpcContext.attach();
    try {
      return next.newCall(method, options);
    } finally {
      grpcContext.detach(previous);
    }
  }

  @Override
  public void request(int numMessages) {
    synchronized (lock) {
      requested = (int) Math.min(Integer.MAX_VALUE, (long) requested + numMessages);
      if (current != null) current.request(numMessages);
    }
  }

  @Override
  public void sendMessage(ReqT m) {
    synchronized (lock) {
      if (ended) return;
      if (replayable) {
        message = m;
      } else if (current == null) {
        if (pending == null) pending = new ArrayList<>(2);
        pending.add(m);
        return;
      } else {
        sentOnStream = true;
      }
      if (current != null) current.sendMessage(m);
    }
  }

  @Override
  public void halfClose() {
    synchronized (lock) {
      halfClosed = true;
      if (current != null) current.halfClose();
    }
  }

  @Override
  public void cancel(String why, Throwable cause) {
    Status status = Status.CANCELLED.withDescription(why == null ? "Call cancelled" : why);
    if (cause != null) status = status.withCause(cause);
    boolean finishNow;
    synchronized (lock) {
      if (ended || cancelled != null) return;
      cancelled = status;
      if (current != null) {
        // The stream's close (CANCELLED) ends the call, through the engine.
        current.cancel(why, cause);
        return;
      }
      if (retry != null) retry.cancel(false);
      finishNow = listener != null && meshCall != null;
    }
    if (finishNow) finish(status, new Metadata());
  }

  @Override
  public boolean isReady() {
    synchronized (lock) {
      return current != null && current.isReady();
    }
  }

  @Override
  public void setMessageCompression(boolean enabled) {
    synchronized (lock) {
      messageCompression = enabled;
      if (current != null) current.setMessageCompression(enabled);
    }
  }

  @Override
  public Attributes getAttributes() {
    // The current try's; after it ended (or between tries), the last try's, as plain gRPC keeps
    // its stream's attributes (the server's address among them) after the call closed.
    ClientCall<ReqT, RespT> c;
    synchronized (lock) {
      c = current != null ? current : last;
    }
    return c != null ? c.getAttributes() : Attributes.EMPTY;
  }

  // ---- tries ------------------------------------------------------------------------------

  /** Starts a stream for the next try and replays the application's calls on it. Holds lock. */
  private void startTry() {
    AttemptSlot s = new AttemptSlot(meshCall);
    slot = s;
    long nanos = meshCall.deadline().remainingNanos(owner.ticker);
    Duration perTry = owner.destination.snapshot().config().client().retries().perTryTimeout();
    // A try bound by the caller's own deadline keeps it as gRPC has it (CallOptions or Context),
    // so that gRPC ends it with its own status and words; a shorter mesh deadline replaces it.
    boolean callers = callersDeadline && (perTry == null || perTry.toNanos() >= nanos);
    if (perTry != null) nanos = Math.min(nanos, perTry.toNanos());
    CallOptions options = callOptions.withOption(AttemptSlot.KEY, s);
    if (!callers) options = options.withDeadlineAfter(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    ClientCall<ReqT, RespT> c = newCallInCallersContext(options);
    current = c;
    last = c;
    Metadata h = headers;
    int tryNumber = meshCall.attempts() + 1;
    if (tryNumber > 1) { // a retry: the first try's metadata went to the transport
      h = new Metadata();
      h.merge(headers);
      h.discardAll(AttemptSlot.ATTEMPT_HEADER);
    }
    // One CLIENT span per try; the trace headers name it as the server's parent.
    Span trySpan = RpcSpans.startClient(owner.tracer, otelContext, method, tryNumber);
    span = trySpan;
    owner.propagator.inject(otelContext.with(trySpan), h, SETTER);
    c.start(new TryListener(s, trySpan, callers), h);
    if (current != c) return; // closed inside start (direct executor)
    if (requested > 0) c.request(requested);
    if (messageCompression != null) c.setMessageCompression(messageCompression);
    if (replayable) {
      if (message != null) c.sendMessage(message);
    } else if (pending != null && !pending.isEmpty()) {
      for (ReqT m : pending) c.sendMessage(m);
      pending.clear();
      sentOnStream = true;
    }
    if (halfClosed) c.halfClose();
  }

  private void retryNow() {
    Status stop = null;
    synchronized (lock) {
      retry = null;
      if (ended) return;
      if (cancelled != null) {
        stop = cancelled;
      } else if (grpcContext.isCancelled()) {
        stop = Status.CANCELLED.withDescription("context cancelled while waiting to retry");
      } else {
        try {
          startTry();
          return;
        } catch (RuntimeException e) {
          stop = Status.fromThrowable(e);
        }
      }
    }
    finish(stop, new Metadata());
  }

  /** Ends the call once: releases the mesh call, then tells the application. */
  private void finish(Status status, Metadata trailers) {
    Metadata held;
    Listener<RespT> l;
    Call call;
    synchronized (lock) {
      if (ended) return;
      ended = true;
      current = null;
      held = heldHeaders;
      heldHeaders = null;
      l = listener;
      call = meshCall;
    }
    if (call != null) call.close();
    if (l == null) return;
    if (held != null) l.onHeaders(held);
    l.onClose(status, trailers);
  }

  /** What the engine is told of a try that ended with {@code status}. Facts only. */
  private Outcome outcome(Status status, AttemptSlot s, boolean committedNow, boolean replayOk, boolean cancelledNow) {
    Status.Code code = status.getCode();
    if (code == Status.Code.OK) return Outcome.grpc(Outcome.GRPC_OK);
    if (code == Status.Code.CANCELLED) {
      if (cancelledNow || grpcContext.isCancelled()) return Outcome.cancelled();
      if (s.streamCreated) {
        // Not asked for by the caller: the server or the connection reset the stream (a server
        // stopping abruptly cancels the calls it runs).
        return replayOk && !committedNow ? Outcome.reset(new TryFailure(status))
            : Outcome.error(new TryFailure(status), true);
      }
    }
    if (!s.streamCreated) {
      // The stream never reached a transport: nothing was sent.
      if (code == Status.Code.DEADLINE_EXCEEDED) return Outcome.timeout();
      return replayOk ? Outcome.connectFailure(new TryFailure(status))
          : Outcome.error(new TryFailure(status), true);
    }
    Outcome o = Outcome.grpc(code.value());
    if ((committedNow || !replayOk) && !o.isSuccess()) {
      // A response message reached the application, or the request cannot be replayed: this
      // failure must not be retried, whatever the policy says.
      return Outcome.error(new TryFailure(status), true);
    }
    if (code == Status.Code.DEADLINE_EXCEEDED && !meshCall.deadline().isExpired(owner.ticker)) {
      return Outcome.timeout(); // the per-try timeout, while the call still has time
    }
    return o;
  }

  /** Receives one try's stream; forwards to the application once the try is the call's. */
  private final class TryListener extends Listener<RespT> {
    private final AttemptSlot s;
    private final Span trySpan;
    /** The try's gRPC deadline is the caller's own (see {@link #callersDeadline}). */
    private final boolean callersDeadline;

    TryListener(AttemptSlot s, Span trySpan, boolean callersDeadline) {
      this.s = s;
      this.trySpan = trySpan;
      this.callersDeadline = callersDeadline;
    }

    /**
     * Whether gRPC ended this try on the caller's own deadline: then the call ends with gRPC's
     * status, description and trailers, exactly as a plain channel reports it, and the mesh's
     * reason is the status's cause.
     */
    private boolean endedByCallersDeadline(Status status) {
      return callersDeadline && s.pickStatus == null && status.getCode() == Status.Code.DEADLINE_EXCEEDED;
    }

    @Override
    public void onHeaders(Metadata h) {
      synchronized (lock) {
        if (slot == s && !ended) heldHeaders = h;
      }
    }

    @Override
    public void onMessage(RespT m) {
      Metadata held;
      Listener<RespT> l;
      synchronized (lock) {
        if (slot != s || ended) return;
        committed = true;
        held = heldHeaders;
        heldHeaders = null;
        l = listener;
      }
      if (held != null) l.onHeaders(held);
      l.onMessage(m);
    }

    @Override
    public void onReady() {
      Listener<RespT> l;
      synchronized (lock) {
        if (slot != s || ended) return;
        l = listener;
      }
      l.onReady();
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      boolean committedNow;
      boolean replayOk;
      boolean cancelledNow;
      synchronized (lock) {
        if (slot != s || ended) return;
        current = null;
        committedNow = committed;
        replayOk = replayable || !sentOnStream;
        cancelledNow = cancelled != null;
      }
      Attempt picked = s.attempt;
      RpcSpans.endClient(trySpan, picked == null ? null
              : picked.endpoint().addressFor(io.meshwork.core.model.Protocol.GRPC),
          s.pickStatus != null ? s.pickStatus : status);
      Decision decision = s.pickDecision;
      if (decision == null) {
        Attempt attempt = s.attempt;
        decision = attempt == null
            ? Decision.done() // never picked: the channel failed the stream before its pick
            : attempt.complete(outcome(status, s, committedNow, replayOk, cancelledNow));
      }
      if (decision.isRetry()) {
        synchronized (lock) {
          if (!ended && cancelled == null && !committed && (replayable || !sentOnStream)) {
            heldHeaders = null;
            retry = Backoffs.timer().schedule(grpcContext.wrap(MeshClientCall.this::retryNow),
                decision.backoffNanos(), TimeUnit.NANOSECONDS);
            return;
          }
        }
      }
      if (decision.isFail()) {
        MeshException failure = decision.failure();
        if (failure instanceof DeadlineExceededException && endedByCallersDeadline(status)) {
          finish(status.withCause(failure), trailers);
        } else {
          finish(Statuses.of(failure), new Metadata());
        }
      } else if (picked == null && s.pickStatus == null && status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
        // The deadline passed while the stream waited for its first pick (connections still
        // being made): the caller's deadline in gRPC's words, or the mesh's, said as such.
        DeadlineExceededException reason = new DeadlineExceededException(s.call.service(),
            "deadline exceeded before the first attempt (waiting for a connection: "
                + status.getDescription() + ")", null, false);
        if (endedByCallersDeadline(status)) {
          finish(status.withCause(reason), trailers);
        } else {
          finish(Statuses.of(reason), new Metadata());
        }
      } else {
        Status dropped = s.pickStatus; // the picker's own status keeps the mesh exception as cause
        finish(dropped != null ? dropped : status, trailers);
      }
    }
  }

  /**
   * {@code d} on the mesh's ticker, read at {@code now} (before {@code d}'s own clock is read, so
   * that on the system ticker the copy passes no later than gRPC's deadline).
   */
  private static Deadline meshDeadline(long now, io.grpc.Deadline d) {
    return Deadline.atNanoTime(now + d.timeRemaining(TimeUnit.NANOSECONDS)); // compared wrap-safe
  }

  private static boolean expired(io.grpc.Deadline d) {
    return d != null && d.isExpired();
  }

  /** A try's failing status as an outcome's cause; no stack trace (it is a fact, not a bug). */
  static final class TryFailure extends Exception {
    private static final long serialVersionUID = 1L;

    TryFailure(Status status) {
      super(status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription()),
          null, false, false);
    }
  }
}
