package io.meshwork.core.model;

import java.time.Duration;

/**
 * The service-level circuit breaker: the last line of defence behind per-endpoint outlier
 * ejection. It opens when at least {@code failureRate} percent of the calls in the last
 * {@code window} failed (once there were {@code minCalls}), refuses calls for {@code openFor},
 * then lets {@code halfOpenCalls} probes through.
 *
 * @param enabled default true
 * @param failureRate percent, 1 to 100, default 50
 * @param window sliding window, 1s to 1h, default 10s
 * @param minCalls calls before the rate counts, 1 to 100000, default 20
 * @param openFor time open, default 5s
 * @param halfOpenCalls probes while half open, 1 to 1000, default 5
 */
public record CircuitBreakerPolicy(
    boolean enabled, int failureRate, Duration window, int minCalls, Duration openFor, int halfOpenCalls) {

  public static final CircuitBreakerPolicy DEFAULT = new CircuitBreakerPolicy(
      true,
      Defaults.BREAKER_FAILURE_RATE,
      Defaults.BREAKER_WINDOW,
      Defaults.BREAKER_MIN_CALLS,
      Defaults.BREAKER_OPEN_FOR,
      Defaults.BREAKER_HALF_OPEN_CALLS);

  public CircuitBreakerPolicy {
    Check.range("circuitBreaker.failureRate", failureRate, 1, 100);
    Check.positive("circuitBreaker.window", window);
    if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException(
          "circuitBreaker.window: " + Durations.format(window) + " (expected: 1s to 1h)");
    }
    Check.range("circuitBreaker.minCalls", minCalls, 1, 100_000);
    Check.positive("circuitBreaker.openFor", openFor);
    Check.range("circuitBreaker.halfOpenCalls", halfOpenCalls, 1, 1000);
  }
}
