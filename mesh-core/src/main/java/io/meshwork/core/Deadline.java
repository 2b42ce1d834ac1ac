package io.meshwork.core;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A point in time on a {@link Ticker} by which a call must be finished. Deadlines are absolute
 * inside a process and travel between processes as the remaining time ({@code mesh-timeout-ms},
 * {@code grpc-timeout}), so clock skew between machines does not matter.
 *
 * <p>Immutable and cheap: one long.
 */
public final class Deadline implements Comparable<Deadline> {
  private final long nanoTime;

  private Deadline(long nanoTime) {
    this.nanoTime = nanoTime;
  }

  /** The deadline {@code timeout} from now on {@code ticker}. Saturates instead of overflowing. */
  public static Deadline after(Duration timeout, Ticker ticker) {
    return afterNanos(saturatedNanos(timeout), ticker);
  }

  /** The deadline {@code nanos} from now on {@code ticker}. */
  public static Deadline afterNanos(long nanos, Ticker ticker) {
    long now = ticker.nanoTime();
    long at = now + nanos;
    if (nanos > 0 && at < now) at = Long.MAX_VALUE; // overflow: as good as never
    return new Deadline(at);
  }

  /** A deadline at an absolute ticker reading. */
  public static Deadline atNanoTime(long nanoTime) {
    return new Deadline(nanoTime);
  }

  /** The ticker reading at which this deadline passes. */
  public long nanoTime() {
    return nanoTime;
  }

  /** Time left, negative once passed. */
  public long remainingNanos(Ticker ticker) {
    return nanoTime - ticker.nanoTime();
  }

  /** Time left in whole milliseconds, rounded up so a live deadline never reads 0. */
  public long remainingMillis(Ticker ticker) {
    long n = remainingNanos(ticker);
    return n <= 0 ? 0 : (n + 999_999) / 1_000_000;
  }

  public boolean isExpired(Ticker ticker) {
    return remainingNanos(ticker) <= 0;
  }

  /** The sooner of this and {@code other} (this when {@code other} is null). */
  public Deadline minimum(Deadline other) {
    return other == null || nanoTime - other.nanoTime <= 0 ? this : other;
  }

  @Override
  public int compareTo(Deadline o) {
    return Long.signum(nanoTime - o.nanoTime);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Deadline d && d.nanoTime == nanoTime;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(nanoTime);
  }

  @Override
  public String toString() {
    return "Deadline[nanoTime=" + nanoTime + "]";
  }

  static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /** Converts nanoseconds to {@code unit}, rounding up. */
  static long ceil(long nanos, TimeUnit unit) {
    long per = unit.toNanos(1);
    return nanos <= 0 ? 0 : (nanos + per - 1) / per;
  }
}
