package io.meshwork.core.internal;

import io.meshwork.core.model.Durations;
import io.meshwork.core.model.RetryBudgetPolicy;

/**
 * Finagle's retry budget: every call deposits {@code ratio} of a retry, every retry withdraws
 * one, over a sliding window of {@code ttl}; on top, {@code minPerSecond × ttl} retries are
 * always allowed in a window, so a process with little traffic can still retry. Under total
 * failure, load on the destination stays below {@code (1 + ratio)} times the call rate plus
 * the small reserve, instead of {@code maxAttempts} times.
 *
 * <p>Written here rather than taken from a library: Resilience4j has no retry budget. Lock-free
 * and allocation-free: two {@link WindowedCounter}s. A withdrawal checks then adds, so threads
 * racing for the last token may overdraw by at most their number; Finagle's budget has the same
 * tolerance.
 */
final class RetryBudget {
  private static final int SLICES = 10;

  private final RetryBudgetPolicy policy;
  private final WindowedCounter deposits;
  private final WindowedCounter withdrawals;
  private final double reserve;

  RetryBudget(RetryBudgetPolicy policy) {
    this.policy = policy;
    long ttl = policy.ttl().toNanos();
    this.deposits = new WindowedCounter(ttl, SLICES);
    this.withdrawals = new WindowedCounter(ttl, SLICES);
    this.reserve = policy.minPerSecond() * (ttl / 1e9);
  }

  RetryBudgetPolicy policy() {
    return policy;
  }

  /** Records a call. */
  void deposit(long nowNanos) {
    deposits.add(1, nowNanos);
  }

  /** Takes one retry if the budget has one. */
  boolean tryWithdraw(long nowNanos) {
    if (balance(nowNanos) < 1) {
      return false;
    }
    withdrawals.add(1, nowNanos);
    return true;
  }

  /** Retries still allowed in the current window (may be fractional). */
  double balance(long nowNanos) {
    return reserve + policy.ratio() * deposits.sum(nowNanos) - withdrawals.sum(nowNanos);
  }

  /** How the budget reads in messages: {@code 20% + 10/s over 10s}. */
  String describe() {
    return Math.round(policy.ratio() * 100) + "% + " + policy.minPerSecond() + "/s over "
        + Durations.format(policy.ttl());
  }
}
