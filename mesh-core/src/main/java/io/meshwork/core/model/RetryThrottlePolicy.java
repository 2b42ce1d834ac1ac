package io.meshwork.core.model;

/**
 * The failure-aware half of the retry budget, after gRPC's retry throttling (gRFC A6): a
 * bucket of {@code maxTokens} tokens that loses one for every call that retried and still
 * ended in a retryable failure, and gains {@code tokenRatio} for every call that succeeds.
 * While the bucket holds half its tokens or fewer, the destination gets no retries at all.
 *
 * <p>Why, on top of Finagle's budget: the budget bounds retries to a share of the traffic, so
 * under total failure a destination still receives {@code 1 + ratio} times its load in retries
 * that cannot succeed. The throttle notices within a handful of calls that retries are not
 * rescuing anything and stops them; the first successes open it again. A partial outage (one
 * bad replica whose calls succeed on retry elsewhere) keeps the bucket full.
 *
 * <p>Two departures from gRPC, both so that the throttle cannot shut itself for good: it counts
 * calls, not attempts (a failed attempt whose retry succeeded is a success), and a call refused
 * its first retry is not counted (while shut, failures would otherwise keep it shut, and a
 * replica failing one call in ten would stop retries forever). It takes no ticker: it counts
 * calls, not time.
 *
 * @param enabled default true
 * @param maxTokens size of the bucket, 1 to 1000; default {@value Defaults#RETRY_THROTTLE_MAX_TOKENS}
 * @param tokenRatio tokens a successful call puts back, 0.001 to 1; default
 *     {@value Defaults#RETRY_THROTTLE_TOKEN_RATIO}
 */
public record RetryThrottlePolicy(boolean enabled, int maxTokens, double tokenRatio) {
  public static final RetryThrottlePolicy DEFAULT = new RetryThrottlePolicy(
      true, Defaults.RETRY_THROTTLE_MAX_TOKENS, Defaults.RETRY_THROTTLE_TOKEN_RATIO);

  /** No throttle: Finagle's budget alone decides. */
  public static final RetryThrottlePolicy DISABLED = new RetryThrottlePolicy(
      false, Defaults.RETRY_THROTTLE_MAX_TOKENS, Defaults.RETRY_THROTTLE_TOKEN_RATIO);

  public RetryThrottlePolicy {
    Check.range("retryBudget.throttle.maxTokens", maxTokens, 1, 1000);
    if (!(tokenRatio >= 0.001 && tokenRatio <= 1)) {
      throw new IllegalArgumentException(
          "retryBudget.throttle.tokenRatio: " + tokenRatio + " (expected: 0.001 to 1)");
    }
  }
}
