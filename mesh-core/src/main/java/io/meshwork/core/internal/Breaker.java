package io.meshwork.core.internal;

import io.meshwork.core.CircuitState;
import io.meshwork.core.CircuitStatus;
import io.meshwork.core.Ticker;
import io.meshwork.core.model.CircuitBreakerPolicy;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * The service-level circuit breaker, the last line behind per-endpoint outlier ejection: it
 * opens when at least {@code failureRate}% of the calls in the last {@code window} failed
 * (once there were {@code minCalls}), refuses calls for {@code openFor}, then lets
 * {@code halfOpenCalls} probes through; all probes succeeding closes it, one failing reopens it
 * for twice as long as the last time, up to {@code maxOpenFor}. The engine records each call
 * once, not each attempt.
 *
 * <p>Why graded: a fixed open time is a trade between how soon a recovered service gets its
 * traffic back and how often a dead one is probed. Starting short and doubling on each failed
 * round (linkerd2's failure accrual backs off the same way; Resilience4j offers it as an
 * exponential wait interval) gets both: a short outage is left after about {@code openFor}, a
 * long one is probed every {@code maxOpenFor}, and never is a recovered service refused for
 * longer than {@code maxOpenFor}.
 *
 * <p>Why not Resilience4j's {@code CircuitBreaker}, which the engine used first: its
 * {@code LOCK_FREE} time window (2.4.0) reads {@code System.nanoTime} whatever clock it is given,
 * so fake-time tests cannot drive it, it refuses a 1 s window, and it allocates a snapshot on
 * every record; its {@code SYNCHRONIZED} window takes a lock on every call. DESIGN.md forbids
 * locks on the request path and asks for time rules driven by the mesh ticker, so the same
 * state machine is written here over the engine's lock-free {@link WindowedCounter}s:
 * admission in the closed state is one volatile read, recording a success is one CAS.
 *
 * <p>Every admission says what kind of permit it got ({@link #CLOSED_PERMIT} or
 * {@link #PROBE}); the call hands it back with its result, or to {@link #release}, so a
 * half-open probe slot can never leak (Resilience4j's long-running "stuck half-open" issue).
 */
final class Breaker {
  static final int REFUSED = 0;
  static final int CLOSED_PERMIT = 1;
  static final int PROBE = 2;
  private static final int SLICES = 10;

  private final CircuitBreakerPolicy policy;
  private final Ticker ticker;
  private final BiConsumer<CircuitState, CircuitState> onTransition;
  private final long openForNanos;
  private final long maxOpenForNanos;
  private final long windowNanos;
  private final AtomicReference<CircuitState> state;
  private final AtomicLong openUntilNanos = new AtomicLong();
  private final java.util.concurrent.atomic.LongAdder opened = new java.util.concurrent.atomic.LongAdder();
  private final AtomicInteger probesLeft = new AtomicInteger();
  private final AtomicInteger probeSuccesses = new AtomicInteger();
  /** Probe rounds since the breaker last closed: the next open period is doubled this often. */
  private volatile int probeRounds;
  /** Calls and failures of the current closed period; replaced when the breaker closes. */
  private volatile Window window;

  private static final class Window {
    final WindowedCounter calls;
    final WindowedCounter failures;

    Window(long windowNanos) {
      calls = new WindowedCounter(windowNanos, SLICES);
      failures = new WindowedCounter(windowNanos, SLICES);
    }
  }

  Breaker(String service, CircuitBreakerPolicy policy, Ticker ticker,
      BiConsumer<CircuitState, CircuitState> onTransition) {
    this.policy = policy;
    this.ticker = ticker;
    this.onTransition = onTransition;
    this.openForNanos = policy.openFor().toNanos();
    this.maxOpenForNanos = policy.maxOpenFor().toNanos();
    this.windowNanos = policy.window().toNanos();
    this.state = new AtomicReference<>(policy.enabled() ? CircuitState.CLOSED : CircuitState.DISABLED);
    this.window = new Window(windowNanos);
  }

  CircuitBreakerPolicy policy() {
    return policy;
  }

  /** Asks to admit a call: {@link #REFUSED}, {@link #CLOSED_PERMIT} or {@link #PROBE}. */
  int tryAcquire() {
    CircuitState s = state.get();
    if (s == CircuitState.CLOSED || s == CircuitState.DISABLED) {
      return CLOSED_PERMIT;
    }
    if (s == CircuitState.OPEN) {
      if (ticker.nanoTime() - openUntilNanos.get() < 0) {
        return REFUSED;
      }
      if (state.compareAndSet(CircuitState.OPEN, CircuitState.HALF_OPEN)) {
        probeRounds++; // only the thread that won the transition writes it
        probeSuccesses.set(0);
        probesLeft.set(policy.halfOpenCalls());
        onTransition.accept(CircuitState.OPEN, CircuitState.HALF_OPEN);
      }
      s = state.get();
      if (s == CircuitState.CLOSED) return CLOSED_PERMIT;
      if (s != CircuitState.HALF_OPEN) return REFUSED;
    }
    // Half open: take a probe slot if one is left.
    int left;
    do {
      left = probesLeft.get();
      if (left <= 0) return REFUSED;
    } while (!probesLeft.compareAndSet(left, left - 1));
    return PROBE;
  }

  /** Gives back a permit of a call that ended without a result (cancelled, no endpoint). */
  void release(int permit) {
    if (permit == PROBE && state.get() == CircuitState.HALF_OPEN) {
      probesLeft.incrementAndGet();
    }
  }

  void onSuccess(int permit, long now) {
    if (permit == PROBE) {
      if (probeSuccesses.incrementAndGet() >= policy.halfOpenCalls()
          && state.get() == CircuitState.HALF_OPEN) {
        window = new Window(windowNanos); // a fresh period: old failures are forgiven
        probeRounds = 0;
        if (state.compareAndSet(CircuitState.HALF_OPEN, CircuitState.CLOSED)) {
          onTransition.accept(CircuitState.HALF_OPEN, CircuitState.CLOSED);
        }
      }
      return;
    }
    if (state.get() == CircuitState.DISABLED) return;
    window.calls.add(1, now);
  }

  void onFailure(int permit, long now) {
    if (permit == PROBE) {
      trip(CircuitState.HALF_OPEN, now);
      return;
    }
    if (state.get() != CircuitState.CLOSED) return;
    Window w = window;
    w.calls.add(1, now);
    w.failures.add(1, now);
    long calls = w.calls.sum(now);
    if (calls >= policy.minCalls() && w.failures.sum(now) * 100 >= (long) policy.failureRate() * calls) {
      trip(CircuitState.CLOSED, now);
    }
  }

  private void trip(CircuitState from, long now) {
    // Set before the state changes, so no thread sees OPEN with an old deadline. Probes of one
    // round that fail together compute the same period.
    openUntilNanos.set(now + openPeriodNanos());
    if (state.compareAndSet(from, CircuitState.OPEN)) {
      opened.increment();
      onTransition.accept(from, CircuitState.OPEN);
    }
  }

  /** The open period after {@link #probeRounds} failed rounds: openFor doubled as often, capped. */
  private long openPeriodNanos() {
    long period = openForNanos;
    for (int i = probeRounds; i > 0 && period < maxOpenForNanos; i--) {
      period *= 2;
    }
    return Math.min(period, maxOpenForNanos);
  }

  CircuitState state() {
    return state.get();
  }

  /** The state, the time to the next probe while open, and how often it has opened. */
  CircuitStatus status(long nowNanos) {
    CircuitState s = state.get();
    java.util.Optional<java.time.Duration> probeIn = s == CircuitState.OPEN
        ? java.util.Optional.of(java.time.Duration.ofNanos(Math.max(0, openUntilNanos.get() - nowNanos)))
        : java.util.Optional.empty();
    return new CircuitStatus(s, probeIn, opened.sum());
  }

  String describe() {
    String open = Durations.format(java.time.Duration.ofNanos(openPeriodNanos()));
    String grows = policy.maxOpenFor().equals(policy.openFor()) ? ""
        : ", doubling up to " + Durations.format(policy.maxOpenFor()) + " while probes fail";
    return policy.failureRate() + "% or more of at least " + policy.minCalls() + " calls failed over "
        + Durations.format(policy.window()) + "; refusing calls for " + open + grows;
  }
}
