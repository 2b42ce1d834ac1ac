package io.meshwork.benchmarks.experiments;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Stalls of this process as a thread that only sleeps sees them (after Gil Tene's jHiccup): it
 * parks for 1 ms in a loop and records how much later than asked it woke up. A long hiccup is
 * time the whole process, generator and servers alike, could not run (a collector pause, or a
 * shared machine's other load), so a failure that coincides with one is the machine's, not the
 * strategy's.
 *
 * <p>Stalls of at least {@link #STALL_NANOS} are also kept as intervals, so an experiment can set
 * aside the requests they may have hit ({@link #near}).
 */
final class Hiccups implements AutoCloseable {
  private static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  /** A hiccup this long or longer is kept as a stall: 200 ms. */
  static final long STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  private final Thread thread;
  private volatile long maxNanos;
  private volatile boolean stopped;
  /** Stalls as {start, end} in {@link System#nanoTime()}; guarded by itself. */
  private final List<long[]> stalls = new ArrayList<>();

  Hiccups() {
    thread = new Thread(this::loop, "hiccups");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    while (!stopped) {
      long t = System.nanoTime();
      LockSupport.parkNanos(PERIOD_NANOS);
      long now = System.nanoTime();
      long late = now - t - PERIOD_NANOS;
      if (late > maxNanos) maxNanos = late;
      if (late >= STALL_NANOS) {
        synchronized (stalls) {
          stalls.add(new long[] {t, now});
        }
      }
    }
  }

  /** Forgets the hiccups seen so far. */
  void reset() {
    maxNanos = 0;
    synchronized (stalls) {
      stalls.clear();
    }
  }

  /**
   * Whether a request due at {@code dueNanos} could have been alive during a stall: a stall
   * ended after it was due and began less than {@code lifeNanos} (its deadline) after. Depends on
   * the due time only, not on how the request fared, so setting such requests aside favours no
   * strategy.
   */
  boolean near(long dueNanos, long lifeNanos) {
    synchronized (stalls) {
      for (long[] s : stalls) {
        if (s[1] - dueNanos >= 0 && s[0] - (dueNanos + lifeNanos) < 0) return true;
      }
    }
    return false;
  }

  /** The stalls seen since the last {@link #reset()}. */
  int stallCount() {
    synchronized (stalls) {
      return stalls.size();
    }
  }

  /** The longest hiccup since the last {@link #reset()}, in milliseconds. */
  double maxMillis() {
    return maxNanos / 1e6;
  }

  @Override
  public void close() {
    stopped = true;
  }
}
