package io.meshwork.core.model;

import io.meshwork.core.internal.Durations;
import java.time.Duration;

/**
 * A retry budget with Finagle's semantics: over a sliding window of {@code ttl}, retries may
 * be at most {@code ratio} of requests plus {@code minPerSecond} each second, so that a
 * failing service sees at most (1 + ratio) times its normal load instead of maxAttempts times.
 * On top, a {@link RetryThrottlePolicy throttle} stops retries altogether while calls keep
 * failing despite them, so that under total failure the load stays close to 1 times.
 *
 * @param ratio retries per request allowed, 0 to 1000; default {@value Defaults#RETRY_BUDGET_RATIO}
 * @param minPerSecond retries allowed each second whatever the traffic, 0 to 100000; default
 *     {@value Defaults#RETRY_BUDGET_MIN_PER_SECOND}
 * @param ttl window over which deposits count, 1s to 60s; default 10s
 * @param throttle the failure-aware throttle; default {@link RetryThrottlePolicy#DEFAULT} (on)
 */
public record RetryBudgetPolicy(double ratio, int minPerSecond, Duration ttl, RetryThrottlePolicy throttle) {
  public static final RetryBudgetPolicy DEFAULT = new RetryBudgetPolicy(
      Defaults.RETRY_BUDGET_RATIO, Defaults.RETRY_BUDGET_MIN_PER_SECOND, Defaults.RETRY_BUDGET_TTL);

  /** A budget with the default throttle. */
  public RetryBudgetPolicy(double ratio, int minPerSecond, Duration ttl) {
    this(ratio, minPerSecond, ttl, RetryThrottlePolicy.DEFAULT);
  }

  public RetryBudgetPolicy {
    if (!(ratio >= 0 && ratio <= 1000)) {
      throw new IllegalArgumentException("retryBudget.ratio: " + ratio + " (expected: 0 to 1000)");
    }
    Check.range("retryBudget.minPerSecond", minPerSecond, 0, 100_000);
    Check.positive("retryBudget.ttl", ttl);
    Check.notNull("retryBudget.throttle", throttle);
    if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(Duration.ofSeconds(60)) > 0) {
      throw new IllegalArgumentException(
          "retryBudget.ttl: " + Durations.format(ttl) + " (expected: 1s to 60s)");
    }
  }

  /** This budget with {@code throttle} instead. */
  public RetryBudgetPolicy withThrottle(RetryThrottlePolicy throttle) {
    return new RetryBudgetPolicy(ratio, minPerSecond, ttl, throttle);
  }
}
