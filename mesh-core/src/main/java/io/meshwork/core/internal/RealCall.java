package io.meshwork.core.internal;

import io.meshwork.core.Attempt;
import io.meshwork.core.Call;
import io.meshwork.core.Deadline;
import io.meshwork.core.DeadlineExceededException;
import io.meshwork.core.Decision;
import io.meshwork.core.MeshEventListener;
import io.meshwork.core.MeshException;
import io.meshwork.core.MeshRequest;
import io.meshwork.core.NoEndpointsException;
import io.meshwork.core.Outcome;
import io.meshwork.core.RetryBudgetExhaustedException;
import io.meshwork.core.model.Endpoint;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * One call and, in turn, each of its attempts. Implements {@link PickContext} so that picks
 * allocate nothing.
 *
 * <p>State machine, every transition a compare-and-set, so that {@link #complete} and
 * {@link #close} racing on two threads release each resource exactly once:
 * {@code IDLE -> IN_FLIGHT} (nextAttempt), {@code IN_FLIGHT -> IDLE} (complete),
 * {@code IDLE|IN_FLIGHT -> ENDED} (the final decision, or close). The state word also holds the
 * attempt number ({@code state >>> 2}), so a late completion of an earlier attempt cannot
 * complete the current one.
 *
 * <p>Cost: the first attempt's handle is the call itself, so a call that needs no retry
 * allocates this one object (64 bytes with compressed oops: keep the fields few; the plan and
 * destination are reached through the route target); each retry gets a small
 * {@link RetryAttempt}. The ticker is read when the call starts, when each attempt starts and
 * when it completes; the breaker and the budget reuse those readings.
 */
final class RealCall implements Call, Attempt, PickContext {
  private static final int IDLE = 0;
  private static final int IN_FLIGHT = 1;
  private static final int ENDED = 2;
  private static final int PHASE = 3;
  private static final int RESULT_NONE = 0;
  private static final int RESULT_SUCCESS = 1;
  private static final int RESULT_FAILURE = 2;
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(RealCall.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final RouteTarget target;
  private final MeshRequest request;
  private final long startNanos;
  private final long deadlineNanos;
  /** Start of the current attempt; also "now" for the pick in progress. */
  private long attemptStartNanos;
  @SuppressWarnings("unused") // through STATE: (attempt number << 2) | phase
  private volatile int state;
  /** Bit i set: the call tried index i of the subset it picked from (first 32). */
  private int triedMask;
  private EndpointState endpoint;
  /** The first attempt's endpoint, for its handle (this object) after retries moved on. */
  private Endpoint firstEndpoint;
  /** The breaker permit: {@link Breaker#CLOSED_PERMIT} or {@link Breaker#PROBE}. */
  private final byte permit;
  private final boolean idempotent;
  private boolean panic;

  /**
   * {@code startNanos} is when the application made the call (its duration counts from then),
   * {@code nowNanos} when the mesh admitted it.
   */
  RealCall(RouteTarget target, MeshRequest request, int permit, long startNanos, long nowNanos, long deadlineNanos) {
    this.target = target;
    this.request = request;
    this.permit = (byte) permit;
    this.idempotent = request.idempotent();
    this.startNanos = startNanos;
    this.deadlineNanos = deadlineNanos;
    this.attemptStartNanos = nowNanos;
  }

  private Plan plan() {
    return target.plan;
  }

  private DestinationState dest() {
    return target.plan.dest;
  }

  /** Per-call events go to user listeners only when there are any. */
  private MeshEventListener perCall() {
    return target.plan.dest.rt.perCallListener();
  }

  // ---- Call ------------------------------------------------------------------------------

  @Override
  public String service() {
    return dest().service;
  }

  @Override
  public String route() {
    return target.routeName;
  }

  @Override
  public Deadline deadline() {
    return Deadline.atNanoTime(deadlineNanos);
  }

  @Override
  public int attempts() {
    return ((int) STATE.getVolatile(this)) >>> 2;
  }

  @Override
  public Attempt nextAttempt() {
    int s = (int) STATE.getVolatile(this);
    int done = s >>> 2;
    DestinationState dest = dest();
    if ((s & PHASE) != IDLE) {
      throw new IllegalStateException(dest.service + ": nextAttempt() while "
          + ((s & PHASE) == IN_FLIGHT ? "attempt " + done + " is still open; complete it first" : "the call has ended"));
    }
    long now = dest.rt.ticker().nanoTime();
    if (deadlineNanos - now <= 0) {
      throw end(new DeadlineExceededException(dest.service, "deadline exceeded"
          + (done == 0 ? " before the first attempt" : " after " + done + " attempts"), null, done > 0), null);
    }
    attemptStartNanos = now;
    EndpointState picked = pick(now);
    if (picked == null) {
      throw end(new NoEndpointsException(dest.service, noEndpointsReason()), null);
    }
    endpoint = picked;
    int n = done + 1;
    if (n == 1) firstEndpoint = picked.endpoint();
    if (!STATE.compareAndSet(this, s, (n << 2) | IN_FLIGHT)) {
      throw new IllegalStateException(dest.service + ": the call ended while picking (closed concurrently)");
    }
    picked.attemptStarted(now);
    MeshEventListener l = perCall();
    if (l != null) l.onAttemptStarted(dest.service, picked.endpoint(), n);
    return n == 1 ? this : new RetryAttempt(this, n, picked.endpoint());
  }

  private String noEndpointsReason() {
    Plan plan = plan();
    if (!plan.snapshot.known()) {
      return "no endpoints (unknown service: the registry does not name it)";
    }
    if (plan.endpoints.length == 0) {
      return "no endpoints (the registry lists none)";
    }
    if (target.all.isEmpty()) {
      return "no endpoints (route " + target.routeName + " selects " + target.selector + ", which no endpoint matches)";
    }
    return "no endpoints (all " + target.all.size() + " of route " + target.routeName + " are ejected)";
  }

  private EndpointState pick(long now) {
    Plan plan = plan();
    panic = dest().panic(plan);
    Subset subset = target.all;
    Subset local = target.local;
    if (local != null && localHealthy(plan, local, now)) {
      subset = local;
    }
    if (subset.isEmpty()) return null;
    EndpointState e = plan.balancer.pick(subset, this);
    if (e == null && !panic) {
      // Every endpoint of the subset is ejected: rather than fail, use them all (panic within
      // the route), as Envoy does when no healthy host is left.
      panic = true;
      e = plan.balancer.pick(subset, this);
    }
    if (e != null) {
      for (int i = 0; i < subset.size() && i < 32; i++) {
        if (subset.get(i) == e) {
          triedMask |= 1 << i;
          break;
        }
      }
    }
    return e;
  }

  private boolean localHealthy(Plan plan, Subset local, long now) {
    DestinationState dest = dest();
    int healthy = 0;
    for (int i = 0; i < local.size(); i++) {
      if (panic || dest.available(local.get(i), now)) healthy++;
    }
    return healthy > 0 && healthy * 100 >= plan.zoneMinHealthyPercent * local.size();
  }

  @Override
  public void close() {
    int s;
    do {
      s = (int) STATE.getVolatile(this);
      if ((s & PHASE) == ENDED) return;
    } while (!STATE.compareAndSet(this, s, (s & ~PHASE) | ENDED));
    DestinationState dest = dest();
    long now = dest.rt.ticker().nanoTime();
    if ((s & PHASE) == IN_FLIGHT) {
      // Abandoned in flight (the caller gave up): what it waited is a lower bound on the
      // endpoint's latency, as for a cancelled completion (see complete).
      endpoint.attemptEnded(attemptStartNanos);
      endpoint.observeLowerBound(now - attemptStartNanos, now, dest.rt.tauNanos());
    }
    release(RESULT_NONE, now);
    long duration = now - startNanos;
    target.meters.timer(Slots.of(Outcome.cancelled())).record(duration, TimeUnit.NANOSECONDS);
    MeshEventListener l = perCall();
    if (l != null) l.onCallCompleted(dest.service, target.routeName, Outcome.cancelled(), null, s >>> 2, duration);
  }

  // ---- Attempt ---------------------------------------------------------------------------

  @Override
  public Endpoint endpoint() {
    return firstEndpoint;
  }

  @Override
  public int number() {
    return 1; // this object is the first attempt's handle; retries get a RetryAttempt
  }

  @Override
  public long timeoutNanos() {
    long remaining = deadlineNanos - attemptStartNanos;
    return Math.max(0, Math.min(remaining, plan().perTryTimeoutNanos));
  }

  @Override
  public Decision complete(Outcome outcome) {
    return complete(1, outcome);
  }

  /** Completes attempt {@code n}; a stale or repeated completion records nothing. */
  Decision complete(int n, Outcome outcome) {
    boolean success = outcome.isSuccess();
    // A success ends the call: one transition, IN_FLIGHT -> ENDED, instead of two.
    if (!STATE.compareAndSet(this, (n << 2) | IN_FLIGHT, (n << 2) | (success ? ENDED : IDLE))) {
      // Completed already, superseded by a later attempt, or closed: nothing is recorded twice.
      return Decision.done();
    }
    Plan plan = plan();
    DestinationState dest = plan.dest;
    long now = dest.rt.ticker().nanoTime();
    long latency = now - attemptStartNanos;
    EndpointState e = endpoint;
    e.attemptEnded(attemptStartNanos);
    observe(e, outcome, latency, now, dest.rt.tauNanos());
    if (success) {
      dest.onAttemptSuccess(e);
      dest.attemptSuccess.increment();
      MeshEventListener l = perCall();
      if (l != null) l.onAttemptCompleted(dest.service, e.endpoint(), n, outcome, latency);
      return ended(n, outcome, now);
    }
    return failed(n, outcome, plan, e, now, latency);
  }

  /**
   * What an attempt's latency teaches peak-EWMA. An answer is a sample. An attempt that ended
   * without one because time ran out (its timeout, or a gRPC deadline) or because the caller
   * gave up (cancelled) is a lower bound: the answer would have taken at least that long, so it
   * raises a lower estimate and never lowers one. Without it, an endpoint that stops answering
   * keeps its old fast estimate, which decays further while nothing comes back, and draws more
   * traffic the longer it hangs (Finagle records an interrupted request's latency too). Such an
   * attempt still is not a failure of the endpoint when the caller cancelled it: see
   * {@link #failed}. Connection failures carry no latency information.
   */
  private static void observe(EndpointState e, Outcome outcome, long latency, long now, long tau) {
    switch (outcome.kind()) {
      case RESPONSE -> {
        if (outcome.isGrpc() && outcome.status() == Outcome.GRPC_DEADLINE_EXCEEDED) {
          e.observeLowerBound(latency, now, tau);
        } else {
          e.observeLatency(latency, now, tau);
        }
      }
      case TIMEOUT, CANCELLED -> e.observeLowerBound(latency, now, tau);
      default -> { }
    }
  }

  /**
   * The rest of {@link #complete} for a failed attempt: kept out of it so that the success path
   * stays small enough for the JIT to inline.
   */
  private Decision failed(int n, Outcome outcome, Plan plan, EndpointState e, long now, long latency) {
    DestinationState dest = plan.dest;
    if (outcome.kind() != Outcome.Kind.CANCELLED) {
      if (!cutShortByCaller(outcome, plan)) dest.onAttemptFailure(plan, e, now);
      dest.attemptFailure.increment();
    }
    MeshEventListener l = perCall();
    if (l != null) l.onAttemptCompleted(dest.service, e.endpoint(), n, outcome, latency);

    // Whether a retry could address this failure; a call that ends with one is reported to the
    // budget's throttle (RetryBudget#onCallFailed decides whether it counts).
    boolean retryable = plan.classifier.retryable(outcome, idempotent);
    long remaining = deadlineNanos - now;
    if (remaining <= 0 && outcome.kind() != Outcome.Kind.CANCELLED) {
      // A failure that arrives after the deadline: the deadline is what stopped the call, in
      // what the caller sees and in the meters, whatever the last attempt reported.
      if (retryable) plan.budget.onCallFailed(n);
      return Decision.fail(end(new DeadlineExceededException(dest.service,
          "deadline exceeded after " + n + (n == 1 ? " attempt" : " attempts") + "; last failure: "
              + describe(outcome), outcome.cause(), true), outcome));
    }
    if (!retryable) {
      return finish(n, outcome, now);
    }
    if (n >= plan.maxAttempts) {
      plan.budget.onCallFailed(n);
      return finish(n, outcome, now);
    }
    // A retry is wanted: the deadline, then the budget's throttle and window, must allow it.
    long backoff = backoff(plan, n);
    if (backoff >= remaining) {
      plan.budget.onCallFailed(n);
      if (outcome.kind() == Outcome.Kind.RESPONSE) return finish(n, outcome, now);
      return Decision.fail(end(new DeadlineExceededException(dest.service,
          "deadline exceeded: no time left to retry after " + n + " attempts; last failure: "
              + describe(outcome), outcome.cause(), true), outcome));
    }
    boolean throttled = plan.budget.throttled();
    if (throttled || !plan.budget.tryWithdraw(now)) {
      plan.budget.onCallFailed(n);
      (throttled ? dest.budgetThrottled : dest.budgetExhausted).increment();
      (throttled ? dest.refusedByThrottle : dest.refusedByBudget).increment();
      dest.rt.listener().onRetryBudgetExhausted(dest.service, outcome);
      if (outcome.kind() == Outcome.Kind.RESPONSE) return finish(n, outcome, now);
      String rule = throttled
          ? "retries suspended: recent calls kept failing despite retries (" + plan.budget.describeThrottle() + ")"
          : "retry budget exhausted (" + plan.budget.describe() + ")";
      return Decision.fail(end(new RetryBudgetExhaustedException(dest.service,
          rule + "; last failure: " + describe(outcome), outcome.cause(), outcome.requestSent()), outcome));
    }
    dest.retryCounter(Slots.of(outcome)).increment();
    dest.rt.listener().onRetry(dest.service, n + 1, backoff, outcome);
    return Decision.retry(backoff);
  }

  /**
   * Whether {@code o} is a timeout that says more about the caller than about the endpoint: the
   * attempt had less than half the time the policy gives one (its per-try timeout, or else the
   * call's timeout), because the caller's own deadline, or earlier attempts, used the rest. Such
   * a timeout is not the endpoint's failure for outlier detection or the breaker (Envoy likewise
   * keeps local-origin failures apart): a caller with a 3 ms deadline would otherwise eject a
   * healthy 20 ms endpoint. Its elapsed time still teaches peak-EWMA a lower bound.
   */
  private boolean cutShortByCaller(Outcome o, Plan plan) {
    boolean timedOut = o.kind() == Outcome.Kind.TIMEOUT
        || (o.kind() == Outcome.Kind.RESPONSE && o.isGrpc() && o.status() == Outcome.GRPC_DEADLINE_EXCEEDED);
    if (!timedOut) return false;
    long policyWindow = Math.min(plan.perTryTimeoutNanos, plan.timeoutNanos);
    long window = Math.min(deadlineNanos - attemptStartNanos, plan.perTryTimeoutNanos);
    return window < policyWindow / 2;
  }

  private String describe(Outcome o) {
    return o.describe() + " " + endpoint.address();
  }

  /** Full-jitter exponential backoff: uniform in [0, min(max, base * 2^(n-1))]. */
  private long backoff(Plan plan, int retryNumber) {
    long cap = plan.backoffBaseNanos << Math.min(30, retryNumber - 1);
    if (cap <= 0 || cap > plan.backoffMaxNanos) cap = plan.backoffMaxNanos;
    return random().nextLong(cap + 1);
  }

  private Decision finish(int n, Outcome outcome, long now) {
    if (!STATE.compareAndSet(this, (n << 2) | IDLE, (n << 2) | ENDED)) {
      return Decision.done(); // closed concurrently; close() recorded it
    }
    return ended(n, outcome, now);
  }

  /** Records the end of a call this thread moved to ENDED with {@code outcome}. */
  private Decision ended(int n, Outcome outcome, long now) {
    long duration = now - startNanos;
    if (outcome.isSuccess()) plan().budget.onCallSucceeded();
    // A cancelled attempt means the caller gave up, and a timeout its deadline cut short is the
    // caller's too: neither says anything of the service's health.
    release(outcome.isSuccess() ? RESULT_SUCCESS
        : outcome.kind() == Outcome.Kind.CANCELLED || cutShortByCaller(outcome, plan()) ? RESULT_NONE
        : RESULT_FAILURE, now);
    target.meters.timer(Slots.of(outcome)).record(duration, TimeUnit.NANOSECONDS);
    MeshEventListener l = perCall();
    if (l != null) l.onCallCompleted(dest().service, target.routeName, outcome, null, n, duration);
    return Decision.done();
  }

  /** Ends the call with a mesh failure (from IDLE); returns it for throwing. */
  private MeshException end(MeshException failure, Outcome last) {
    int s = (int) STATE.getVolatile(this);
    if ((s & PHASE) != IDLE || !STATE.compareAndSet(this, s, (s & ~PHASE) | ENDED)) {
      return failure;
    }
    DestinationState dest = dest();
    long now = dest.rt.ticker().nanoTime();
    long duration = now - startNanos;
    // A call that never got an answer, or whose last attempt the caller's deadline cut short,
    // says nothing of the service's health.
    release(last != null && !cutShortByCaller(last, plan()) ? RESULT_FAILURE : RESULT_NONE, now);
    target.meters.timer(Slots.of(failure)).record(duration, TimeUnit.NANOSECONDS);
    MeshEventListener l = perCall();
    if (l != null) l.onCallCompleted(dest.service, target.routeName, last, failure, s >>> 2, duration);
    return failure;
  }

  /**
   * Gives back the concurrency slot and the breaker permit, recording the call's result in the
   * breaker when it has one. Called exactly once per call, by whichever transition ended it.
   */
  private void release(int result, long now) {
    Plan plan = plan();
    plan.dest.limit.release(plan.maxConcurrent);
    if (result == RESULT_SUCCESS) {
      plan.breaker.onSuccess(permit, now);
    } else if (result == RESULT_FAILURE) {
      plan.breaker.onFailure(permit, now);
    } else {
      plan.breaker.release(permit);
    }
  }

  // ---- PickContext -----------------------------------------------------------------------

  @Override
  public long nowNanos() {
    return attemptStartNanos;
  }

  @Override
  public RandomGenerator random() {
    return dest().rt.random().get();
  }

  @Override
  public boolean usable(EndpointState e) {
    return panic || dest().available(e, attemptStartNanos);
  }

  @Override
  public boolean avoid(int index) {
    return index < 32 && (triedMask & (1 << index)) != 0;
  }

  @Override
  public boolean hasHash() {
    String header = plan().hashHeader;
    return header != null && request.header(header) != null;
  }

  @Override
  public long hash() {
    String header = plan().hashHeader;
    String v = header == null ? null : request.header(header);
    return v == null ? 0 : Hashing.hash64(v);
  }

  @Override
  public long tauNanos() {
    return dest().rt.tauNanos();
  }

  @Override
  public String toString() {
    return "Call[" + dest().service + ", route=" + target.routeName + ", attempts=" + attempts() + "]";
  }
}
