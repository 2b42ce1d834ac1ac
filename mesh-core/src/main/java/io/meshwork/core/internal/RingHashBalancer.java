package io.meshwork.core.internal;

import java.util.Arrays;
import java.util.Comparator;
import java.util.random.RandomGenerator;

/**
 * Consistent hashing on the request's hash key (a header named by the client policy), so that
 * requests with the same key reach the same endpoint while it is usable, e.g. for a cache.
 *
 * <p>Source: Karger et al., "Consistent Hashing and Random Trees" (STOC 1997), with virtual
 * nodes as in libketama and Envoy's {@code RING_HASH}. Each endpoint is hashed onto a 64-bit
 * ring at about {@value #POINTS_PER_WEIGHT} points per unit of weight ({@code hash64(address +
 * "#" + i)}), at least one each, fewer when the ring would exceed {@value #MAX_POINTS} points.
 * A key belongs to the first point at or after its hash, going round. Because points depend
 * only on addresses, adding or removing one endpoint of n moves only about 1/n of the keys,
 * all of them to or from that endpoint, and every client process builds the same ring.
 *
 * <p>An endpoint the call cannot use hands its keys to the next endpoint clockwise, which is
 * where they would go if it were gone, and takes them back when usable again. An endpoint this
 * call already tried is passed over the same way when another usable one exists. A request
 * without a hash key goes to a random usable endpoint.
 *
 * <p>The ring is built on the first pick from a {@link Subset} and kept on it (two threads may
 * both build it; either copy is right). Picks then do one binary search and allocate nothing.
 * When no endpoint is usable, the pick walks the whole ring before it answers null.
 */
final class RingHashBalancer implements LoadBalancer {
  static final int POINTS_PER_WEIGHT = 100;
  static final int MAX_POINTS = 65_536;
  private static final int RANDOM_DRAWS = 3;

  @Override
  public EndpointState pick(Subset subset, PickContext ctx) {
    int n = subset.size();
    if (n == 0) {
      return null;
    }
    if (!ctx.hasHash()) {
      return random(subset, ctx);
    }
    Ring ring = ring(subset);
    long[] points = ring.points;
    int[] owners = ring.owners;
    int len = points.length;
    int start = Arrays.binarySearch(points, ctx.hash());
    if (start < 0) {
      start = -start - 1; // first point above the hash; len means round to 0
    }
    EndpointState avoided = null;
    int avoidedIndex = -1;
    for (int step = 0; step < len; step++) {
      int p = start + step;
      if (p >= len) {
        p -= len;
      }
      int index = owners[p];
      if (index == avoidedIndex) {
        continue;
      }
      EndpointState e = subset.get(index);
      if (!ctx.usable(e)) {
        continue;
      }
      if (!ctx.avoid(index)) {
        return e;
      }
      if (avoided == null) {
        if (!Balancers.anyOtherPreferred(subset, ctx, index)) {
          return e;
        }
        avoided = e;
        avoidedIndex = index;
      }
    }
    return avoided;
  }

  private static EndpointState random(Subset subset, PickContext ctx) {
    RandomGenerator random = ctx.random();
    for (int i = 0; i < RANDOM_DRAWS; i++) {
      int index = subset.randomIndex(random);
      if (ctx.usable(subset.get(index)) && !ctx.avoid(index)) {
        return subset.get(index);
      }
    }
    return Balancers.anyUsable(subset, ctx, random.nextInt(subset.size()));
  }

  /** The subset's ring, built now if this is its first ring-hash pick. */
  static Ring ring(Subset subset) {
    if (subset.ring() instanceof Ring ring) {
      return ring;
    }
    Ring built = Ring.build(subset);
    subset.ring(built);
    return built;
  }

  /** Sorted ring points and, in parallel, the subset index of the endpoint owning each. */
  static final class Ring {
    final long[] points;
    final int[] owners;

    private Ring(long[] points, int[] owners) {
      this.points = points;
      this.owners = owners;
    }

    static Ring build(Subset subset) {
      int n = subset.size();
      double perWeight = Math.min(POINTS_PER_WEIGHT, (double) MAX_POINTS / subset.totalWeight);
      int[] counts = new int[n];
      int total = 0;
      for (int i = 0; i < n; i++) {
        counts[i] = Math.max(1, (int) (subset.get(i).weight() * perWeight));
        total += counts[i];
      }
      long[] hashes = new long[total];
      int[] ownerOf = new int[total];
      StringBuilder key = new StringBuilder(64);
      int k = 0;
      for (int i = 0; i < n; i++) {
        key.setLength(0);
        key.append(subset.get(i).address()).append('#');
        int prefix = key.length();
        for (int j = 0; j < counts[i]; j++, k++) {
          key.setLength(prefix);
          hashes[k] = Hashing.hash64(key.append(j)); // = hash64(address + "#" + j)
          ownerOf[k] = i;
        }
      }
      long[] points = hashes.clone();
      Arrays.sort(points);
      int[] owners = new int[total];
      if (distinct(points)) {
        for (int i = 0; i < total; i++) {
          owners[Arrays.binarySearch(points, hashes[i])] = ownerOf[i];
        }
      } else {
        // Two points with one 64-bit hash: all but impossible. Order them by address so that
        // every process still builds the same ring.
        Integer[] order = new Integer[total];
        for (int i = 0; i < total; i++) {
          order[i] = i;
        }
        Arrays.sort(order, Comparator.<Integer>comparingLong(i -> hashes[i])
            .thenComparing(i -> subset.get(ownerOf[i]).address().toString()));
        for (int i = 0; i < total; i++) {
          owners[i] = ownerOf[order[i]];
        }
      }
      return new Ring(points, owners);
    }

    int size() {
      return points.length;
    }

    private static boolean distinct(long[] sorted) {
      for (int i = 1; i < sorted.length; i++) {
        if (sorted[i] == sorted[i - 1]) return false;
      }
      return true;
    }
  }

  @Override
  public String toString() {
    return "RingHashBalancer";
  }
}
