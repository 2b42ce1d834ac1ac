package io.meshwork.core.internal;

import io.meshwork.core.model.RetryBudgetPolicy;
import io.meshwork.core.model.RetryThrottlePolicy;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

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
 *
 * <p>The throttle ({@link RetryThrottlePolicy}, gRPC's retry throttling) is a bucket of
 * thousandths of a token in one int: a call ending in a retryable failure takes a token, a
 * successful call puts back {@code tokenRatio}; at half full or less, no retries. A success
 * with the bucket full, the usual case, only reads it, so healthy traffic writes nothing
 * shared.
 */
final class RetryBudget {
  private static final int SLICES = 10;
  private static final int TOKEN = 1000;
  private static final VarHandle TOKENS;

  static {
    try {
      TOKENS = MethodHandles.lookup().findVarHandle(RetryBudget.class, "tokens", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final RetryBudgetPolicy policy;
  private final WindowedCounter deposits;
  private final WindowedCounter withdrawals;
  private final double reserve;
  private final boolean throttling;
  private final int maxTokens;
  private final int halfTokens;
  private final int tokensPerSuccess;
  /** The throttle's bucket, in thousandths of a token. */
  @SuppressWarnings("unused") // through TOKENS
  private volatile int tokens;

  RetryBudget(RetryBudgetPolicy policy) {
    this.policy = policy;
    long ttl = policy.ttl().toNanos();
    this.deposits = new WindowedCounter(ttl, SLICES);
    this.withdrawals = new WindowedCounter(ttl, SLICES);
    this.reserve = policy.minPerSecond() * (ttl / 1e9);
    RetryThrottlePolicy t = policy.throttle();
    this.throttling = t.enabled();
    this.maxTokens = t.maxTokens() * TOKEN;
    this.halfTokens = maxTokens / 2;
    this.tokensPerSuccess = Math.max(1, (int) Math.round(t.tokenRatio() * TOKEN));
    this.tokens = maxTokens;
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

  /** Whether the throttle holds retries back: too many recent calls failed despite them. */
  boolean throttled() {
    return throttling && (int) TOKENS.getVolatile(this) <= halfTokens;
  }

  /** A call succeeded: the throttle gets {@code tokenRatio} back, up to full. */
  void onCallSucceeded() {
    if (!throttling) return;
    int t;
    do {
      t = (int) TOKENS.getVolatile(this);
      if (t >= maxTokens) return;
    } while (!TOKENS.compareAndSet(this, t, Math.min(maxTokens, t + tokensPerSuccess)));
  }

  /**
   * A call ended after {@code attempts} attempts in a failure that retries could have addressed.
   * If it retried, retries did not rescue it: the throttle loses a token. A call refused its
   * first retry does not count, or the throttle, once shut, would keep itself shut.
   */
  void onCallFailed(int attempts) {
    if (!throttling || attempts < 2) return;
    int t;
    do {
      t = (int) TOKENS.getVolatile(this);
      if (t == 0) return;
    } while (!TOKENS.compareAndSet(this, t, Math.max(0, t - TOKEN)));
  }

  /** Tokens in the throttle's bucket (fractional), for messages and tests. */
  double throttleTokens() {
    return (int) TOKENS.getVolatile(this) / (double) TOKEN;
  }

  /** How the throttle reads in messages: {@code 10 tokens, +0.1 per success}. */
  String describeThrottle() {
    RetryThrottlePolicy t = policy.throttle();
    return "retry throttle: " + t.maxTokens() + " tokens, -1 per failed call, +" + t.tokenRatio()
        + " per success, retries only above half";
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
