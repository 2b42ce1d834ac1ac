package io.meshwork.core.internal;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * {@code maxConcurrentRequests} for one destination, without a counter that every call of every
 * thread writes twice.
 *
 * <p>A single shared count of calls in flight is exact but is the one cache line that all cores
 * fight over: with 2 threads it cost the engine benchmark about 40 ns of its 265 ns per call.
 * This is a "sloppy counter" (Boyd-Wickizer et al., "An Analysis of Linux Scalability to Many
 * Cores", OSDI 2010): {@code granted} counts permits handed out, and each of a few stripes (a
 * thread picks one by its id, each alone on its cache lines) keeps spare permits that were
 * granted but are not in use. A call takes a spare from its stripe if there is one, otherwise
 * a {@link #CHUNK} from {@code granted} (one for itself, the rest spare); a call that ends puts
 * its permit back as a spare, and a stripe holding more than two chunks returns one. Most calls
 * so touch only their own stripe.
 *
 * <p>The limit stays exact as an upper bound: calls in flight plus spares equal
 * {@code granted}, which a grant never takes past the limit, and a spare is used only while
 * {@code granted} is within it (a lowered limit voids spares), so no more than {@code max}
 * calls are ever admitted. Spares stranded on other stripes could refuse a call early; before
 * refusing, a call takes every stripe's spares back and tries once more, so a refusal means (up
 * to races of that instant) that {@code max} calls really are in flight. Limits under
 * {@link #CHUNKED_FROM} move permits one at a time and give them straight back, so a small
 * limit behaves as one shared counter.
 *
 * <p>The limit is an argument, not state: it comes from the plan in force and may change with
 * the registry while calls are in flight. Every step is correct whatever the chunk size, so a
 * call may end under another limit than the one it started under.
 */
final class ConcurrencyLimit {
  /** Stripes: a power of two, enough for the cores that usually share a destination. */
  static final int STRIPES = 4;
  /** Permits a stripe takes from, or gives back to, the shared count at a time. */
  static final int CHUNK = 8;
  /** Smallest limit that moves permits in chunks. */
  static final int CHUNKED_FROM = 256;
  /** Longs between cells: 128 bytes, two cache lines, as in {@link HotCells}. */
  private static final int SPACING = HotCells.PAD;
  private static final int GRANTED = SPACING;

  /** {@code granted}, then each stripe's spares, each alone on its lines. */
  private final AtomicLongArray cells = new AtomicLongArray(SPACING * (STRIPES + 2));

  private static int chunk(int max) {
    return max >= CHUNKED_FROM ? CHUNK : 1;
  }

  private static int spareIndex(int stripe) {
    return GRANTED + SPACING * (stripe + 1);
  }

  /**
   * Admits a call if fewer than {@code max} are in flight; {@link #release} gives it back.
   */
  boolean tryAcquire(int max) {
    int i = spareIndex(HotCells.stripe(STRIPES));
    // Spares are permits only while the grant is within the limit: a lowered limit voids them
    // (they are taken back below instead). The shared count is read here, written once a chunk.
    if (cells.get(GRANTED) <= max) {
      long spare;
      while ((spare = cells.get(i)) > 0) {
        if (cells.compareAndSet(i, spare, spare - 1)) return true;
      }
    }
    int chunk = chunk(max);
    if (chunk > 1 && grant(chunk, max)) {
      cells.getAndAdd(i, chunk - 1);
      return true;
    }
    if (grant(1, max)) return true;
    // Near the limit: permits may sit spare on other stripes. Take them all back, try once more.
    for (int s = 0; s < STRIPES; s++) {
      long taken = cells.getAndSet(spareIndex(s), 0);
      if (taken > 0) cells.getAndAdd(GRANTED, -taken);
    }
    return grant(1, max);
  }

  /** Gives back the permit of an admitted call; {@code max} is the limit in force now. */
  void release(int max) {
    int chunk = chunk(max);
    if (chunk == 1) {
      cells.getAndDecrement(GRANTED);
      return;
    }
    int i = spareIndex(HotCells.stripe(STRIPES));
    long spare = cells.incrementAndGet(i);
    if (spare > 2L * chunk && cells.compareAndSet(i, spare, spare - chunk)) {
      cells.getAndAdd(GRANTED, -chunk);
    }
  }

  private boolean grant(int n, int max) {
    long g;
    do {
      g = cells.get(GRANTED);
      if (g + n > max) return false;
    } while (!cells.compareAndSet(GRANTED, g, g + n));
    return true;
  }

  /** Calls in flight: permits granted less those spare. Exact when no call is starting or ending. */
  int inFlight() {
    long n = cells.get(GRANTED);
    for (int s = 0; s < STRIPES; s++) n -= cells.get(spareIndex(s));
    return (int) Math.max(0, n);
  }

  @Override
  public String toString() {
    return "ConcurrencyLimit[" + inFlight() + " in flight]";
  }
}
