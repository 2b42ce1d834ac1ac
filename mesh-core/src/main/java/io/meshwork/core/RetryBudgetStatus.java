package io.meshwork.core;

import java.time.Duration;
import java.util.Objects;

/**
 * A destination's retry budget as it stands, from {@link Destination#retryBudget()}, for
 * operators and tools: how many retries it would allow now, its policy, and how many retries it
 * has refused. A point-in-time copy.
 *
 * @param available retries the budget allows now in its window ({@code minPerSecond × ttl +
 *     ratio × calls − retries} over the last {@code ttl}); may be fractional, negative when racing
 *     threads overdrew it
 * @param ratio the policy's share of calls that may be retried
 * @param minPerSecond the policy's retries always allowed per second
 * @param ttl the policy's window
 * @param throttled whether the retry throttle holds retries back now (recent calls kept failing
 *     despite retries); always false when the policy has no throttle
 * @param refusedByBudget retries refused so far because the window had none left (counted on
 *     {@code mesh.client.retry.budget.exhausted{reason=budget}} too)
 * @param refusedByThrottle retries refused so far by the throttle ({@code reason=throttle})
 * @param throttleTokens tokens in the retry throttle's bucket now (fractional; retries are held
 *     back below half of its size); {@link Double#NaN} when the policy has no throttle
 */
public record RetryBudgetStatus(double available, double ratio, int minPerSecond, Duration ttl,
    boolean throttled, long refusedByBudget, long refusedByThrottle, double throttleTokens) {

  public RetryBudgetStatus {
    Objects.requireNonNull(ttl, "ttl");
  }

  /** Retries refused so far, by the window or the throttle. */
  public long refused() {
    return refusedByBudget + refusedByThrottle;
  }
}
