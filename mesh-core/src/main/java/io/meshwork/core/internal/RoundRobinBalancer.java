package io.meshwork.core.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Weighted round robin over one shared counter.
 *
 * <p>With equal weights, the n-th pick goes to endpoint {@code n mod size}. With weights, the
 * counter walks the subset's {@code totalWeight} weight slots and a binary search over the
 * cumulative weights finds the slot's endpoint, so in each cycle of {@code totalWeight} counter
 * values each endpoint gets exactly its weight. Slots are visited with a stride near
 * {@code totalWeight / φ} (golden ratio) and coprime to it, rather than in order, so a weight-100
 * endpoint gets its 100 picks spread over the cycle instead of in one burst.
 *
 * <p>An endpoint the call cannot use or already tried is skipped by taking the next counter
 * value, so its share spreads over the others in proportion instead of landing on its
 * neighbour; after {@code size} skips, a scan finds any usable endpoint.
 *
 * <p>Holds a counter, so one instance per destination ({@link Balancers#forKind}). Thread-safe:
 * concurrent picks each take a distinct counter value; the cached stride is a benign race. A
 * pick costs one atomic increment and allocates nothing.
 */
final class RoundRobinBalancer implements LoadBalancer {
  private static final double INVERSE_GOLDEN_RATIO = 0.6180339887498949;

  private final AtomicLong counter = new AtomicLong();
  /** {@code totalWeight << 32 | stride} for the last weighted subset seen; 0 when none. */
  private volatile long strideCache;

  @Override
  public EndpointState pick(Subset subset, PickContext ctx) {
    int n = subset.size();
    if (n == 0) {
      return null;
    }
    int total = subset.totalWeight;
    int stride = subset.cumulative == null ? 0 : stride(total);
    for (int step = 0; step < n; step++) {
      long c = counter.getAndIncrement();
      int index;
      if (subset.cumulative == null) {
        index = (int) Math.floorMod(c, (long) n);
      } else {
        long slot = Math.floorMod(c, (long) total) * stride % total;
        index = Balancers.indexOfWeightSlot(subset, (int) slot);
      }
      if (ctx.usable(subset.get(index)) && !ctx.avoid(index)) {
        return subset.get(index);
      }
    }
    return Balancers.anyUsable(subset, ctx, (int) Math.floorMod(counter.get(), (long) n));
  }

  /** A stride coprime to {@code total}, near {@code total / φ}; cached for the last total seen. */
  private int stride(int total) {
    long cached = strideCache;
    if ((int) (cached >>> 32) == total) {
      return (int) cached;
    }
    int s = Math.max(1, (int) (total * INVERSE_GOLDEN_RATIO));
    while (gcd(s, total) != 1) {
      s++;
    }
    strideCache = (long) total << 32 | s;
    return s;
  }

  private static int gcd(int a, int b) {
    while (b != 0) {
      int t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  @Override
  public String toString() {
    return "RoundRobinBalancer[counter=" + counter.get() + "]";
  }
}
