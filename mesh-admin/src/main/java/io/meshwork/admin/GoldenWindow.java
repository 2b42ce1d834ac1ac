package io.meshwork.admin;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The golden metrics of one destination over the last {@value #WINDOW} whole seconds: calls,
 * failures and a latency histogram per second, in a ring of {@value #SLOTS} one-second slots.
 *
 * <p>{@link #record} (any thread, on the call path) adds to the current slot with two atomic
 * increments at most: no lock, no allocation. {@link #rotate} (the sampler only, once a second)
 * sums the {@value #WINDOW} slots that ended, publishes the figures as an immutable
 * {@link Golden}, moves on to the next slot and clears the one after it, which is old enough
 * that no writer is still in it. A writer that read the slot index just before a rotation
 * lands in the slot that just ended, still inside the window.
 */
final class GoldenWindow {
  static final int WINDOW = 10;
  /** The window, the slot being written and the one cleared ahead of it. */
  static final int SLOTS = WINDOW + 2;
  private static final int FAILURES = LatencyHistogram.BUCKETS;
  private static final int REJECTED = FAILURES + 1;

  private final AtomicLongArray[] slots = new AtomicLongArray[SLOTS];
  private volatile int current;
  /** Whole seconds this window has seen end, up to {@link #WINDOW}. */
  private int seconds;
  private volatile Golden golden = Golden.NONE;

  GoldenWindow() {
    for (int i = 0; i < SLOTS; i++) slots[i] = new AtomicLongArray(LatencyHistogram.BUCKETS + 2);
  }

  /** Counts one call that took {@code nanos}. */
  void record(long nanos, boolean failed) {
    AtomicLongArray slot = slots[current];
    slot.getAndIncrement(LatencyHistogram.bucket(nanos));
    if (failed) slot.getAndIncrement(FAILURES);
  }

  /**
   * Counts one call refused before any attempt (circuit open, concurrency limit, deadline): a
   * failure, with no latency.
   */
  void reject() {
    slots[current].getAndIncrement(REJECTED);
  }

  /** The figures as of the last rotation. */
  Golden golden() {
    return golden;
  }

  /** Ends the current second: publishes the window's figures and moves on. Sampler thread only. */
  void rotate(long[] scratch) {
    java.util.Arrays.fill(scratch, 0);
    if (seconds < WINDOW) seconds++;
    long failures = 0;
    long rejected = 0;
    int c = current;
    for (int i = 0; i < seconds; i++) {
      AtomicLongArray slot = slots[Math.floorMod(c - i, SLOTS)];
      LatencyHistogram.addTo(slot, scratch);
      failures += slot.get(FAILURES);
      rejected += slot.get(REJECTED);
    }
    long completed = 0;
    for (int b = 0; b < LatencyHistogram.BUCKETS; b++) completed += scratch[b];
    long calls = completed + rejected;
    golden = new Golden(seconds, (double) calls / seconds,
        calls == 0 ? Double.NaN : (double) (calls - failures - rejected) / calls,
        LatencyHistogram.quantileMillis(scratch, completed, 0.50),
        LatencyHistogram.quantileMillis(scratch, completed, 0.99));
    int next = (c + 1) % SLOTS;
    current = next;
    AtomicLongArray ahead = slots[(next + 1) % SLOTS];
    for (int b = 0; b < ahead.length(); b++) ahead.set(b, 0);
  }

  /**
   * Golden metrics over the last {@code windowSeconds} whole seconds: calls per second (refused
   * ones included), the share that succeeded, and the median and 99th percentile latency of the
   * calls that ran. NaN where unknown (no calls in the window; no second ended yet).
   */
  record Golden(int windowSeconds, double requestsPerSecond, double successRate, double p50Ms,
      double p99Ms) {
    static final Golden NONE = new Golden(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
  }
}
