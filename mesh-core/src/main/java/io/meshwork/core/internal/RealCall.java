package io.meshwork.core.internal;

import io.meshwork.core.Attempt;
import io.meshwork.core.Call;
import io.meshwork.core.Deadline;
import io.meshwork.core.DeadlineExceededException;
import io.meshwork.core.Decision;
import io.meshwork.core.MeshException;
import io.meshwork.core.NoEndpointsException;
import io.meshwork.core.Outcome;
import io.meshwork.core.RetryBudgetExhaustedException;
import io.meshwork.core.model.Endpoint;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * One call and, in turn, each of its attempts (attempts are sequential, so the call object is
 * also the attempt handle and a call allocates one object). Implements {@link PickContext} so
 * that picks allocate nothing either.
 *
 * <p>State machine, every transition a compare-and-set, so that {@link #complete} and
 * {@link #close} racing on two threads release each resource exactly once:
 * {@code IDLE -> IN_FLIGHT} (nextAttempt), {@code IN_FLIGHT -> IDLE} (complete),
 * {@code IDLE|IN_FLIGHT -> ENDED} (the final decision, or close). The state word also holds the
 * attempt number, so a late completion of an earlier attempt cannot complete the current one.
 *
 * <p>The first attempt's handle is the call itself, so a call that needs no retry allocates one
 * object; each retry gets a small {@link RetryAttempt} handle of its own.
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

  private final DestinationState dest;
  private final Plan plan;
  private final RouteTarget target;
  private final long startNanos;
  private final long deadlineNanos;
  private final long hash;
  private final boolean hasHash;
  private final boolean idempotent;
  /** The breaker permit: {@link Breaker#CLOSED_PERMIT} or {@link Breaker#PROBE}. */
  private final int permit;
  private boolean panic;
  @SuppressWarnings("unused") // through STATE
  private volatile int state;
  private int attempts;
  private long triedMask;
  private long attemptStartNanos;
  private long pickNowNanos;
  private EndpointState endpoint;
  /** The first attempt's endpoint, for its handle (this object) after retries moved on. */
  private Endpoint firstEndpoint;

  RealCall(DestinationState dest, Plan plan, RouteTarget target, boolean idempotent, int permit,
      long startNanos, long deadlineNanos, long hash, boolean hasHash) {
    this.dest = dest;
    this.permit = permit;
    this.plan = plan;
    this.target = target;
    this.idempotent = idempotent;
    this.startNanos = startNanos;
    this.deadlineNanos = deadlineNanos;
    this.hash = hash;
    this.hasHash = hasHash;
  }

  // ---- Call ------------------------------------------------------------------------------

  @Override
  public String service() {
    return dest.service;
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
    return attempts;
  }

  @Override
  public Attempt nextAttempt() {
    int s = (int) STATE.getVolatile(this);
    if ((s & PHASE) != IDLE) {
      throw new IllegalStateException(dest.service + ": nextAttempt() while "
          + ((s & PHASE) == IN_FLIGHT ? "attempt " + attempts + " is still open; complete it first" : "the call has ended"));
    }
    long now = dest.rt.ticker().nanoTime();
    if (deadlineNanos - now <= 0) {
      throw end(new DeadlineExceededException(dest.service, "deadline exceeded"
          + (attempts == 0 ? " before the first attempt" : " after " + attempts + " attempts"), null, attempts > 0), null);
    }
    EndpointState picked = pick(now);
    if (picked == null) {
      throw end(new NoEndpointsException(dest.service, noEndpointsReason()), null);
    }
    endpoint = picked;
    attemptStartNanos = now;
    int n = attempts + 1;
    if (!STATE.compareAndSet(this, s, (n << 2) | IN_FLIGHT)) {
      throw new IllegalStateException(dest.service + ": the call ended while picking (closed concurrently)");
    }
    attempts = n;
    if (n == 1) firstEndpoint = picked.endpoint();
    picked.pending.incrementAndGet();
    picked.attempts.incrementAndGet();
    dest.rt.listener().onAttemptStarted(dest.service, picked.endpoint(), n);
    return n == 1 ? this : new RetryAttempt(this, n, picked.endpoint());
  }

  private String noEndpointsReason() {
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
    pickNowNanos = now;
    panic = dest.panic(plan);
    Subset subset = target.all;
    Subset local = target.local;
    if (local != null && localHealthy(local, now)) {
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
      for (int i = 0; i < subset.size() && i < 64; i++) {
        if (subset.get(i) == e) {
          triedMask |= 1L << i;
          break;
        }
      }
    }
    return e;
  }

  private boolean localHealthy(Subset local, long now) {
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
    if ((s & PHASE) == IN_FLIGHT) {
      endpoint.pending.decrementAndGet();
    }
    release(RESULT_NONE);
    long duration = dest.rt.ticker().nanoTime() - startNanos;
    target.meters.timer(Slots.of(Outcome.cancelled())).record(duration, TimeUnit.NANOSECONDS);
    dest.rt.listener().onCallCompleted(dest.service, target.routeName, Outcome.cancelled(), null, attempts, duration);
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
    return Math.max(0, Math.min(remaining, plan.perTryTimeoutNanos));
  }

  @Override
  public Decision complete(Outcome outcome) {
    return complete(1, outcome);
  }

  /** Completes attempt {@code n}; a stale or repeated completion records nothing. */
  Decision complete(int n, Outcome outcome) {
    if (!STATE.compareAndSet(this, (n << 2) | IN_FLIGHT, (n << 2) | IDLE)) {
      // Completed already, superseded by a later attempt, or closed: nothing is recorded twice.
      return Decision.done();
    }
    long now = dest.rt.ticker().nanoTime();
    long latency = now - attemptStartNanos;
    EndpointState e = endpoint;
    e.pending.decrementAndGet();
    boolean success = outcome.isSuccess();
    if (outcome.kind() == Outcome.Kind.RESPONSE) {
      e.observeLatency(latency, now, dest.rt.tauNanos());
    }
    if (success) {
      dest.onAttemptSuccess(e);
      dest.attemptSuccess.increment();
    } else if (outcome.kind() != Outcome.Kind.CANCELLED) {
      dest.onAttemptFailure(plan, e, now);
      dest.attemptFailure.increment();
    }
    dest.rt.listener().onAttemptCompleted(dest.service, e.endpoint(), attempts, outcome, latency);

    if (success || !plan.classifier.retryable(outcome, idempotent) || attempts >= plan.maxAttempts) {
      return finish(outcome, now);
    }
    // A retry is wanted: the deadline, then the budget, must allow it.
    long remaining = deadlineNanos - now;
    long backoff = backoff(attempts);
    if (remaining <= 0 || backoff >= remaining) {
      if (outcome.kind() == Outcome.Kind.RESPONSE) return finish(outcome, now);
      return Decision.fail(end(new DeadlineExceededException(dest.service,
          "deadline exceeded: no time left to retry after " + attempts + " attempts; last failure: "
              + describe(outcome), outcome.cause(), true), outcome));
    }
    if (!plan.budget.tryWithdraw(now)) {
      dest.budgetExhausted.increment();
      dest.rt.listener().onRetryBudgetExhausted(dest.service, outcome);
      if (outcome.kind() == Outcome.Kind.RESPONSE) return finish(outcome, now);
      return Decision.fail(end(new RetryBudgetExhaustedException(dest.service,
          "retry budget exhausted (" + plan.budget.describe() + "); last failure: " + describe(outcome),
          outcome.cause(), outcome.requestSent()), outcome));
    }
    dest.retryCounter(Slots.of(outcome)).increment();
    dest.rt.listener().onRetry(dest.service, attempts + 1, backoff, outcome);
    return Decision.retry(backoff);
  }

  private String describe(Outcome o) {
    return o.describe() + " " + endpoint.address();
  }

  /** Full-jitter exponential backoff: uniform in [0, min(max, base * 2^(n-1))]. */
  private long backoff(int retryNumber) {
    long cap = plan.backoffBaseNanos << Math.min(30, retryNumber - 1);
    if (cap <= 0 || cap > plan.backoffMaxNanos) cap = plan.backoffMaxNanos;
    return random().nextLong(cap + 1);
  }

  private Decision finish(Outcome outcome, long now) {
    if (!STATE.compareAndSet(this, (attempts << 2) | IDLE, (attempts << 2) | ENDED)) {
      return Decision.done(); // closed concurrently; close() recorded it
    }
    long duration = now - startNanos;
    // A cancelled attempt means the caller gave up: it says nothing of the service's health.
    release(outcome.kind() == Outcome.Kind.CANCELLED ? RESULT_NONE
        : outcome.isSuccess() ? RESULT_SUCCESS : RESULT_FAILURE);
    target.meters.timer(Slots.of(outcome)).record(duration, TimeUnit.NANOSECONDS);
    dest.rt.listener().onCallCompleted(dest.service, target.routeName, outcome, null, attempts, duration);
    return Decision.done();
  }

  /** Ends the call with a mesh failure (from IDLE); returns it for throwing. */
  private MeshException end(MeshException failure, Outcome last) {
    if (!STATE.compareAndSet(this, (attempts << 2) | IDLE, (attempts << 2) | ENDED)) {
      return failure;
    }
    long duration = dest.rt.ticker().nanoTime() - startNanos;
    // A call that never got an answer says nothing of the service's health.
    release(last != null ? RESULT_FAILURE : RESULT_NONE);
    target.meters.timer(Slots.of(failure)).record(duration, TimeUnit.NANOSECONDS);
    dest.rt.listener().onCallCompleted(dest.service, target.routeName, last, failure, attempts, duration);
    return failure;
  }

  /**
   * Gives back the concurrency slot and the breaker permit, recording the call's result in the
   * breaker when it has one. Called exactly once per call, by whichever transition ended it.
   */
  private void release(int result) {
    dest.inFlight.decrementAndGet();
    if (result == RESULT_SUCCESS) {
      plan.breaker.onSuccess(permit);
    } else if (result == RESULT_FAILURE) {
      plan.breaker.onFailure(permit);
    } else {
      plan.breaker.release(permit);
    }
  }

  // ---- PickContext -----------------------------------------------------------------------

  @Override
  public long nowNanos() {
    return pickNowNanos;
  }

  @Override
  public RandomGenerator random() {
    return dest.rt.random().get();
  }

  @Override
  public boolean usable(EndpointState e) {
    return dest.available(e, pickNowNanos) || panic;
  }

  @Override
  public boolean avoid(int index) {
    return index < 64 && (triedMask & (1L << index)) != 0;
  }

  @Override
  public long hash() {
    return hash;
  }

  @Override
  public boolean hasHash() {
    return hasHash;
  }

  @Override
  public long tauNanos() {
    return dest.rt.tauNanos();
  }

  @Override
  public String toString() {
    return "Call[" + dest.service + ", route=" + target.routeName + ", attempts=" + attempts + "]";
  }
}
