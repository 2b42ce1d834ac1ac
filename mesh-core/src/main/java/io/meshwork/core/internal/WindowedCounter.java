package io.meshwork.core.internal;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A lock-free count of events over a sliding window, in {@code slices} time slices (after
 * Finagle's {@code WindowedAdder}). Each slice packs its epoch (24 bits) and its count (40
 * bits) into one long, so starting a new slice and adding to it is one compare-and-set and no
 * add is ever lost to a reset. Reads sum the slices whose epoch lies in the window.
 *
 * <p>Striped like {@link java.util.concurrent.atomic.LongAdder}: each slice has
 * {@link #STRIPES} cells, each on its own cache line (with a line of padding before the first
 * and after the last, so that no other object shares one), and a thread adds to the cell its
 * id selects. Every call of every thread adds to the breaker's and the budget's windows, so a
 * single cell per slice would be a line that all cores fight over; reads, which happen on
 * failures and retries only, sum all cells.
 *
 * <p>Cost: {@link #add} is one CAS (retried under contention) and, while time stays in the
 * same slice, no division: the current slice is cached in an immutable {@link Cursor} that is
 * replaced once per slice period. {@link #sum} reads every cell.
 */
final class WindowedCounter {
  private static final int COUNT_BITS = 40;
  private static final long COUNT_MASK = (1L << COUNT_BITS) - 1;
  private static final long EPOCH_MASK = (1L << (64 - COUNT_BITS)) - 1;
  /** Cells per slice: a power of two, enough for the cores that usually share a destination. */
  static final int STRIPES = 4;
  /** Longs per cell: one cache line, so that stripes do not share one. */
  private static final int PAD = 8;

  private final long sliceNanos;
  private final int slices;
  private final AtomicLongArray cells;
  private volatile Cursor cursor = new Cursor(0, 0, 0, 0);

  /** The slice that time [start, end) falls in; {@code base} is its first cell's index. */
  private record Cursor(long start, long end, int base, long tag) {}

  WindowedCounter(long windowNanos, int slices) {
    if (slices < 1 || windowNanos < slices) {
      throw new IllegalArgumentException("window " + windowNanos + "ns in " + slices + " slices");
    }
    this.slices = slices;
    this.sliceNanos = windowNanos / slices;
    // A line of padding before the first cell and after the last, so no other object shares one.
    this.cells = new AtomicLongArray(PAD + slices * STRIPES * PAD + PAD);
  }

  private Cursor cursor(long nowNanos) {
    Cursor c = cursor;
    if (nowNanos - c.start >= 0 && nowNanos - c.end < 0) {
      return c;
    }
    long epoch = Math.floorDiv(nowNanos, sliceNanos);
    c = new Cursor(epoch * sliceNanos, epoch * sliceNanos + sliceNanos,
        PAD + (int) Math.floorMod(epoch, (long) slices) * STRIPES * PAD, epoch & EPOCH_MASK);
    cursor = c;
    return c;
  }

  /** Adds {@code n} (> 0) at time {@code nowNanos}. */
  void add(long n, long nowNanos) {
    Cursor c = cursor(nowNanos);
    int index = c.base + HotCells.stripe(STRIPES) * PAD; // this thread's cell in the slice
    long tag = c.tag;
    while (true) {
      long cell = cells.get(index);
      long cellTag = cell >>> COUNT_BITS;
      long next = cellTag == tag
          ? (tag << COUNT_BITS) | Math.min(COUNT_MASK, (cell & COUNT_MASK) + n)
          : (tag << COUNT_BITS) | Math.min(COUNT_MASK, n);
      if (cells.compareAndSet(index, cell, next)) {
        return;
      }
    }
  }

  /** The count over the window ending at {@code nowNanos}. */
  long sum(long nowNanos) {
    long epoch = cursor(nowNanos).tag;
    long total = 0;
    for (int i = PAD; i < cells.length() - PAD; i += PAD) {
      long cell = cells.get(i);
      long age = (epoch - (cell >>> COUNT_BITS)) & EPOCH_MASK;
      if (age < slices) {
        total += cell & COUNT_MASK;
      }
    }
    return total;
  }
}
