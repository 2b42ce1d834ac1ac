package io.meshwork.core.model;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * Which failed attempts are retried and how long to wait between them.
 *
 * <p>Whatever the policy says, a request that may have reached the server is retried only
 * when it is idempotent, and every retry also needs the retry budget and the deadline to
 * allow it.
 *
 * @param maxAttempts attempts per call including the first, 1 to 10; default
 *     {@value Defaults#MAX_ATTEMPTS}
 * @param on failure kinds to retry; default connect-failure and unavailable
 * @param onStatus HTTP status codes to retry besides those {@code on} names; default none
 * @param backoffBase first backoff, default 25ms; the n-th retry waits a random time in
 *     [0, min(max, base * 2^(n-1))] (full jitter)
 * @param backoffMax largest backoff, default 250ms
 * @param perTryTimeout timeout of one attempt, capped by the remaining deadline; {@code null}
 *     (the default) means the remaining deadline
 */
public record RetryPolicy(
    int maxAttempts,
    Set<RetryCondition> on,
    Set<Integer> onStatus,
    Duration backoffBase,
    Duration backoffMax,
    Duration perTryTimeout) {

  public static final RetryPolicy DEFAULT = new RetryPolicy(
      Defaults.MAX_ATTEMPTS,
      EnumSet.of(RetryCondition.CONNECT_FAILURE, RetryCondition.UNAVAILABLE),
      Set.of(),
      Defaults.BACKOFF_BASE,
      Defaults.BACKOFF_MAX,
      null);

  public RetryPolicy {
    Check.range("retries.maxAttempts", maxAttempts, 1, 10);
    on = on == null || on.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(on));
    onStatus = onStatus == null ? Set.of() : Set.copyOf(onStatus);
    for (int s : onStatus) {
      Check.range("retries.on", s, 400, 599);
    }
    Check.positive("retries.backoff.base", backoffBase);
    Check.positive("retries.backoff.max", backoffMax);
    if (backoffMax.compareTo(backoffBase) < 0) {
      throw new IllegalArgumentException("retries.backoff.max: " + Durations.format(backoffMax)
          + " (expected: at least backoff.base, " + Durations.format(backoffBase) + ")");
    }
    if (perTryTimeout != null) {
      Check.positive("retries.perTryTimeout", perTryTimeout);
    }
  }

  /** A policy that never retries. */
  public static RetryPolicy none() {
    return DEFAULT.withMaxAttempts(1);
  }

  public RetryPolicy withMaxAttempts(int n) {
    return new RetryPolicy(n, on, onStatus, backoffBase, backoffMax, perTryTimeout);
  }

  public RetryPolicy withOn(Set<RetryCondition> conditions, Set<Integer> statuses) {
    return new RetryPolicy(maxAttempts, conditions, statuses, backoffBase, backoffMax, perTryTimeout);
  }

  public RetryPolicy withBackoff(Duration base, Duration max) {
    return new RetryPolicy(maxAttempts, on, onStatus, base, max, perTryTimeout);
  }

  public RetryPolicy withPerTryTimeout(Duration timeout) {
    return new RetryPolicy(maxAttempts, on, onStatus, backoffBase, backoffMax, timeout);
  }
}
