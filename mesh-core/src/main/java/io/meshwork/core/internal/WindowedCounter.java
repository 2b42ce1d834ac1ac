package io.meshwork.core.internal;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A lock-free count of events over a sliding window, in {@code slices} time slices (after
 * Finagle's {@code WindowedAdder}). Each slice packs its epoch (24 bits) and its count (40
 * bits) into one long, so starting a new slice and adding to it is one compare-and-set and no
 * add is ever lost to a reset. Reads sum the slices whose epoch lies in the window.
 *
 * <p>Cost: {@link #add} is one CAS (retried under contention) and, while time stays in the
 * same slice, no division: the current slice is cached in an immutable {@link Cursor} that is
 * replaced once per slice period. {@link #sum} reads every slice.
 */
final class WindowedCounter {
  private static final int COUNT_BITS = 40;
  private static final long COUNT_MASK = (1L << COUNT_BITS) - 1;
  private static final long EPOCH_MASK = (1L << (64 - COUNT_BITS)) - 1;

  private final long sliceNanos;
  private final int slices;
  private final AtomicLongArray cells;
  private volatile Cursor cursor = new Cursor(0, 0, 0, 0);

  /** The slice that time [start, end) falls in. */
  private record Cursor(long start, long end, int slot, long tag) {}

  WindowedCounter(long windowNanos, int slices) {
    if (slices < 1 || windowNanos < slices) {
      throw new IllegalArgumentException("window " + windowNanos + "ns in " + slices + " slices");
    }
    this.slices = slices;
    this.sliceNanos = windowNanos / slices;
    this.cells = new AtomicLongArray(slices);
  }

  private Cursor cursor(long nowNanos) {
    Cursor c = cursor;
    if (nowNanos - c.start >= 0 && nowNanos - c.end < 0) {
      return c;
    }
    long epoch = Math.floorDiv(nowNanos, sliceNanos);
    c = new Cursor(epoch * sliceNanos, epoch * sliceNanos + sliceNanos,
        (int) Math.floorMod(epoch, (long) slices), epoch & EPOCH_MASK);
    cursor = c;
    return c;
  }

  /** Adds {@code n} (> 0) at time {@code nowNanos}. */
  void add(long n, long nowNanos) {
    Cursor c = cursor(nowNanos);
    int slot = c.slot;
    long tag = c.tag;
    while (true) {
      long cell = cells.get(slot);
      long cellTag = cell >>> COUNT_BITS;
      long next = cellTag == tag
          ? (tag << COUNT_BITS) | Math.min(COUNT_MASK, (cell & COUNT_MASK) + n)
          : (tag << COUNT_BITS) | Math.min(COUNT_MASK, n);
      if (cells.compareAndSet(slot, cell, next)) {
        return;
      }
    }
  }

  /** The count over the window ending at {@code nowNanos}. */
  long sum(long nowNanos) {
    long epoch = cursor(nowNanos).tag;
    long total = 0;
    for (int i = 0; i < slices; i++) {
      long cell = cells.get(i);
      long age = (epoch - (cell >>> COUNT_BITS)) & EPOCH_MASK;
      if (age < slices) {
        total += cell & COUNT_MASK;
      }
    }
    return total;
  }
}
