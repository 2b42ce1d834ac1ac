package io.meshwork.core.model;

import io.meshwork.core.internal.Durations;
import java.time.Duration;

/**
 * The service-level circuit breaker: the last line of defence behind per-endpoint outlier
 * ejection. It opens when at least {@code failureRate} percent of the calls in the last
 * {@code window} failed (once there were {@code minCalls}), refuses calls for {@code openFor},
 * then lets {@code halfOpenCalls} probes through. Each probe round that fails doubles the open
 * time, up to {@code maxOpenFor}; closing starts again from {@code openFor}.
 *
 * @param enabled default true
 * @param failureRate percent, 1 to 100, default 50
 * @param window sliding window, 1s to 1h, default 10s
 * @param minCalls calls before the rate counts, 1 to 100000, default 20
 * @param openFor time open after the breaker trips, default 1s
 * @param maxOpenFor longest time open after failed probes, at least {@code openFor}; default 5s,
 *     or {@code openFor} if that is longer (then the open time does not grow)
 * @param halfOpenCalls probes while half open, 1 to 1000, default 5
 */
public record CircuitBreakerPolicy(
    boolean enabled, int failureRate, Duration window, int minCalls, Duration openFor, Duration maxOpenFor,
    int halfOpenCalls) {

  public static final CircuitBreakerPolicy DEFAULT = new CircuitBreakerPolicy(
      true,
      Defaults.BREAKER_FAILURE_RATE,
      Defaults.BREAKER_WINDOW,
      Defaults.BREAKER_MIN_CALLS,
      Defaults.BREAKER_OPEN_FOR,
      Defaults.BREAKER_MAX_OPEN_FOR,
      Defaults.BREAKER_HALF_OPEN_CALLS);

  /** No service-level breaker: every call is admitted and none is counted. */
  public static final CircuitBreakerPolicy DISABLED = DEFAULT.withEnabled(false);

  /** A policy whose {@code maxOpenFor} is the default for {@code openFor}: see {@link #defaultMaxOpenFor}. */
  public CircuitBreakerPolicy(
      boolean enabled, int failureRate, Duration window, int minCalls, Duration openFor, int halfOpenCalls) {
    this(enabled, failureRate, window, minCalls, openFor, defaultMaxOpenFor(openFor), halfOpenCalls);
  }

  /**
   * {@code maxOpenFor} when a document or caller sets only {@code openFor}: the default 5 s, or
   * {@code openFor} if that is longer, so that a longer {@code openFor} keeps a fixed open time.
   */
  public static Duration defaultMaxOpenFor(Duration openFor) {
    return openFor == null || openFor.compareTo(Defaults.BREAKER_MAX_OPEN_FOR) < 0
        ? Defaults.BREAKER_MAX_OPEN_FOR : openFor;
  }

  /** This policy, switched on or off. */
  public CircuitBreakerPolicy withEnabled(boolean on) {
    return new CircuitBreakerPolicy(on, failureRate, window, minCalls, openFor, maxOpenFor, halfOpenCalls);
  }

  public CircuitBreakerPolicy {
    Check.range("circuitBreaker.failureRate", failureRate, 1, 100);
    Check.positive("circuitBreaker.window", window);
    if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException(
          "circuitBreaker.window: " + Durations.format(window) + " (expected: 1s to 1h)");
    }
    Check.range("circuitBreaker.minCalls", minCalls, 1, 100_000);
    Check.positive("circuitBreaker.openFor", openFor);
    Check.positive("circuitBreaker.maxOpenFor", maxOpenFor);
    if (maxOpenFor.compareTo(openFor) < 0) {
      throw new IllegalArgumentException("circuitBreaker.maxOpenFor: " + Durations.format(maxOpenFor)
          + " (expected: at least openFor, " + Durations.format(openFor) + ")");
    }
    Check.range("circuitBreaker.halfOpenCalls", halfOpenCalls, 1, 1000);
  }
}
