package io.meshwork.core.internal;

import java.util.Arrays;

/**
 * An immutable array of endpoints that a pick chooses from (all endpoints, a route's label
 * subset, or its local-zone part), with what the balancers precompute for it: cumulative
 * weights for weighted random choice (null when all weights are equal) and, lazily, a hash ring.
 * Built on the registry thread when a snapshot changes, then only read.
 */
public final class Subset {
  static final Subset EMPTY = new Subset(new EndpointState[0]);

  final EndpointState[] endpoints;
  /** cumulative[i] = sum of weights of endpoints[0..i]; null when all weights are equal. */
  final int[] cumulative;
  final int totalWeight;
  /** Whether the endpoints span more than one zone. */
  final boolean multiZone;
  private volatile Object ring; // built on first ring-hash pick; see RingHashBalancer

  public Subset(EndpointState[] endpoints) {
    this.endpoints = endpoints;
    int total = 0;
    boolean uniform = true;
    int[] cum = new int[endpoints.length];
    for (int i = 0; i < endpoints.length; i++) {
      int w = endpoints[i].weight();
      total += w;
      cum[i] = total;
      if (w != endpoints[0].weight()) uniform = false;
    }
    this.cumulative = uniform ? null : cum;
    this.totalWeight = total;
    this.multiZone = Arrays.stream(endpoints).map(e -> e.endpoint().zone()).distinct().count() > 1;
  }

  public int size() {
    return endpoints.length;
  }

  public boolean isEmpty() {
    return endpoints.length == 0;
  }

  public EndpointState get(int i) {
    return endpoints[i];
  }

  /**
   * A number in {@code [0, bound)} from 32 random bits by multiply-and-shift (Lemire, "Fast
   * Random Integer Generation in an Interval", 2019) instead of {@code nextInt(bound)}'s integer
   * division, of which a pick would take two. Its bias, at most {@code bound / 2^32}, is below a
   * millionth for any subset.
   */
  static int bounded(java.util.random.RandomGenerator random, int bound) {
    return (int) (((random.nextInt() & 0xFFFF_FFFFL) * bound) >>> 32);
  }

  /** An index drawn with probability proportional to weight. */
  public int randomIndex(java.util.random.RandomGenerator random) {
    if (cumulative == null) {
      return bounded(random, endpoints.length);
    }
    int r = bounded(random, totalWeight);
    int i = Arrays.binarySearch(cumulative, r + 1);
    return i >= 0 ? i : -i - 1;
  }

  /**
   * An index other than {@code other}, drawn with probability proportional to weight among the
   * rest: one draw, so a heavy first choice does not keep coming back as the second.
   */
  int randomIndexExcept(java.util.random.RandomGenerator random, int other) {
    if (cumulative == null) {
      int i = bounded(random, endpoints.length - 1);
      return i >= other ? i + 1 : i;
    }
    int start = other == 0 ? 0 : cumulative[other - 1];
    int weight = cumulative[other] - start;
    int r = bounded(random, totalWeight - weight);
    if (r >= start) r += weight;
    int i = Arrays.binarySearch(cumulative, r + 1);
    return i >= 0 ? i : -i - 1;
  }

  Object ring() {
    return ring;
  }

  void ring(Object r) {
    ring = r;
  }
}
