package io.meshwork.core.testing;

import io.meshwork.core.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A ticker that moves only when told to, for tests of time-dependent rules. Thread-safe.
 * Starts at an arbitrary non-zero reading so that code never relies on time starting at zero.
 */
public final class FakeTicker implements Ticker {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  @Override
  public long nanoTime() {
    return nanos.get();
  }

  /** Moves time forward. */
  public FakeTicker advance(Duration d) {
    return advanceNanos(d.toNanos());
  }

  /** Moves time forward by {@code n} nanoseconds. */
  public FakeTicker advanceNanos(long n) {
    if (n < 0) throw new IllegalArgumentException("n: " + n + " (expected: >= 0; time does not go back)");
    nanos.addAndGet(n);
    return this;
  }

  /** Moves time forward by {@code ms} milliseconds. */
  public FakeTicker advanceMillis(long ms) {
    return advanceNanos(ms * 1_000_000L);
  }
}
