package io.meshwork.core.internal;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A few longs that every call writes, kept alone on their cache lines: {@link #PAD} unused
 * longs on each side inside one array, so no other object can share a line with them, wherever
 * the garbage collector moves things.
 *
 * <p>Why: the engine's shared counters (an endpoint's pending attempts and latency estimate) are
 * written on every call. As separate small objects, once the collector has promoted and packed
 * them, two of them written by different threads can land on one 64-byte line, and every write
 * then steals the line from the other core: the engine
 * benchmark with 2 threads went from about 280 to about 590 ns a call a few seconds into each
 * run, whatever the balancer. An array keeps its own layout when moved, so padding inside it
 * holds (the JDK's {@code @Contended} would do the same but is closed to libraries).
 *
 * <p>Users work on {@link #cells} through {@link #at}; {@link ConcurrencyLimit} and
 * {@link WindowedCounter} space their own stripes the same way.
 */
final class HotCells {
  /** Longs of padding on each side: 128 bytes, two lines, for CPUs that fetch lines in pairs. */
  static final int PAD = 16;

  final AtomicLongArray cells;

  HotCells(int count) {
    this.cells = new AtomicLongArray(PAD + count + PAD);
  }

  /** The array index of cell {@code i}. */
  static int at(int i) {
    return PAD + i;
  }

  /**
   * This thread's stripe among {@code stripes} (a power of two): the low bits of the thread id,
   * so that threads created one after another (a pool's) get different stripes. A multiplicative
   * hash put the engine benchmark's two threads on one stripe and cost 1.7 times the time per
   * call.
   */
  static int stripe(int stripes) {
    return (int) Thread.currentThread().getId() & (stripes - 1);
  }
}
