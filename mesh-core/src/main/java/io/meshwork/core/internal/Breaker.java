package io.meshwork.core.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowSynchronizationStrategy;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.meshwork.core.CircuitState;
import io.meshwork.core.Ticker;
import io.meshwork.core.model.CircuitBreakerPolicy;
import io.meshwork.core.model.Durations;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The service-level circuit breaker: Resilience4j's state machine configured from the
 * registry's {@link CircuitBreakerPolicy}, with its time-based sliding window and a clock driven
 * by the mesh ticker (both the window and the open time follow it). The engine calls it once
 * per call, not per attempt: endpoint health is outlier detection's job, the breaker is the last
 * line when the whole service fails.
 */
final class Breaker {
  /** What a failed call is recorded as; Resilience4j wants a Throwable. No stack, shared. */
  private static final Throwable FAILED_CALL = new Exception("failed call", null, false, false) {
    private static final long serialVersionUID = 1L;
  };

  private final CircuitBreakerPolicy policy;
  private final CircuitBreaker breaker; // null when disabled

  Breaker(String service, CircuitBreakerPolicy policy, Ticker ticker,
      BiConsumer<CircuitState, CircuitState> onTransition) {
    this.policy = policy;
    if (!policy.enabled()) {
      this.breaker = null;
      return;
    }
    CircuitBreakerConfig config = CircuitBreakerConfig.custom()
        .failureRateThreshold(policy.failureRate())
        // SYNCHRONIZED, not LOCK_FREE: in Resilience4j 2.4.0 the lock-free time window reads
        // Clock.SYSTEM (System.nanoTime) whatever clock the config names, so the window would not
        // follow the mesh ticker; it also refuses a 1 s window, which the policy allows. The
        // synchronized window reads the config's clock; its lock is held for a few additions,
        // once per call (not per attempt).
        .slidingWindow((int) Math.max(1, policy.window().toSeconds()), policy.minCalls(),
            SlidingWindowType.TIME_BASED, SlidingWindowSynchronizationStrategy.SYNCHRONIZED)
        .waitDurationInOpenState(policy.openFor())
        .permittedNumberOfCallsInHalfOpenState(policy.halfOpenCalls())
        .automaticTransitionFromOpenToHalfOpenEnabled(false)
        .writableStackTraceEnabled(false)
        .clock(new TickerClock(ticker))
        .build();
    this.breaker = CircuitBreaker.of(service, config);
    breaker.getEventPublisher().onStateTransition(e ->
        onTransition.accept(map(e.getStateTransition().getFromState()), map(e.getStateTransition().getToState())));
  }

  CircuitBreakerPolicy policy() {
    return policy;
  }

  boolean tryAcquire() {
    return breaker == null || breaker.tryAcquirePermission();
  }

  /** Gives back a permission of a call that ended without an outcome (cancelled, no endpoints). */
  void release() {
    if (breaker != null) breaker.releasePermission();
  }

  void onSuccess(long durationNanos) {
    if (breaker != null) breaker.onSuccess(durationNanos, TimeUnit.NANOSECONDS);
  }

  void onFailure(long durationNanos) {
    if (breaker != null) breaker.onError(durationNanos, TimeUnit.NANOSECONDS, FAILED_CALL);
  }

  CircuitState state() {
    return breaker == null ? CircuitState.DISABLED : map(breaker.getState());
  }

  String describe() {
    return policy.failureRate() + "% of calls failed over " + Durations.format(policy.window())
        + "; refusing calls for " + Durations.format(policy.openFor());
  }

  private static CircuitState map(CircuitBreaker.State s) {
    switch (s) {
      case CLOSED: return CircuitState.CLOSED;
      case HALF_OPEN: return CircuitState.HALF_OPEN;
      case DISABLED: case METRICS_ONLY: return CircuitState.DISABLED;
      default: return CircuitState.OPEN;
    }
  }
}
