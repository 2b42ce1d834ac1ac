package io.meshwork.core.internal;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A few longs that every call writes, kept alone on their cache lines: {@link #PAD} unused
 * longs on each side inside one array, so no other object can share a line with them, wherever
 * the garbage collector moves things.
 *
 * <p>Why: the engine's shared counters (a destination's calls in flight, an endpoint's pending
 * attempts and latency estimate) are written on every call. As separate small objects, once the
 * collector has promoted and packed them, two of them written by different threads can land on
 * one 64-byte line, and every write then steals the line from the other core: the engine
 * benchmark with 2 threads went from about 280 to about 590 ns a call a few seconds into each
 * run, whatever the balancer. An array keeps its own layout when moved, so padding inside it
 * holds (the JDK's {@code @Contended} would do the same but is closed to libraries).
 *
 * <p>{@link Int} gives one cell the few atomic operations the engine uses, with the names of
 * {@link java.util.concurrent.atomic.AtomicInteger}; other users work on {@link #cells} directly.
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

  /** An int counter in one cell. */
  static final class Int {
    private final AtomicLongArray cells;
    private final int index;

    Int(HotCells block, int cell) {
      this.cells = block.cells;
      this.index = at(cell);
    }

    /** A counter with cells of its own. */
    Int() {
      this(new HotCells(1), 0);
    }

    int get() {
      return (int) cells.get(index);
    }

    void set(int v) {
      cells.set(index, v);
    }

    int incrementAndGet() {
      return (int) cells.incrementAndGet(index);
    }

    int decrementAndGet() {
      return (int) cells.decrementAndGet(index);
    }

    @Override
    public String toString() {
      return Integer.toString(get());
    }
  }
}
