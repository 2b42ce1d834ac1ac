package io.meshwork.core.internal;

import java.util.random.RandomGenerator;

/**
 * The pick shared by the power-of-two-choices balancers: draw two distinct endpoints at random
 * (in proportion to weight), keep the one with the lower {@link #load}. Subclasses say only what
 * load means.
 *
 * <p>Source: Michael Mitzenmacher, "The Power of Two Choices in Randomized Load Balancing"
 * (IEEE TPDS, 2001): sending each request to the less loaded of two random servers brings the
 * maximum load from {@code log n / log log n} down to {@code log log n / log 2}, nearly as good
 * as asking every server, at the price of two reads. Finagle's {@code P2C} and linkerd2-proxy's
 * balancer use it for the same reason; random draws (rather than a scan for the minimum) also
 * keep many clients from stampeding onto the one endpoint that looks least loaded to all.
 *
 * <p>Weights enter through the draw. An endpoint the call cannot use, or already tried, is
 * redrawn a few times; when the draws keep failing (most endpoints down), a scan from a random
 * start finds any usable one. Ties keep the first draw, which is itself weighted, so endpoints
 * with equal load share traffic by weight.
 *
 * <p>Thread-safe and stateless; allocates nothing; a pick costs two or three random numbers and
 * two loads unless endpoints are unusable.
 */
abstract class PowerOfTwoChoices implements LoadBalancer {
  /** Draws per choice before falling back to a scan. */
  private static final int DRAWS = 3;

  /**
   * The load of {@code e} as this algorithm sees it; lower is better. {@code pendingScale} is the
   * subset's mean weight over the endpoint's weight (1 when weights are equal): multiplied into
   * the outstanding count, it makes a weight-3 endpoint with 3 outstanding requests as busy as a
   * weight-1 endpoint with 1.
   */
  abstract double load(EndpointState e, double pendingScale, PickContext ctx);

  @Override
  public final EndpointState pick(Subset subset, PickContext ctx) {
    int n = subset.size();
    if (n == 0) {
      return null;
    }
    if (n == 1) {
      EndpointState only = subset.get(0);
      return ctx.usable(only) ? only : null;
    }
    RandomGenerator random = ctx.random();
    int a = draw(subset, ctx, random, -1);
    if (a < 0) {
      return Balancers.anyUsable(subset, ctx, random.nextInt(n));
    }
    int b = draw(subset, ctx, random, a);
    if (b < 0) {
      return subset.get(a);
    }
    EndpointState ea = subset.get(a);
    EndpointState eb = subset.get(b);
    return prefersSecond(load(ea, pendingScale(subset, ea), ctx), load(eb, pendingScale(subset, eb), ctx)) ? eb : ea;
  }

  /**
   * Whether the second draw wins, given both loads. Here: when its load is lower; ties keep the
   * first draw, which is drawn by weight.
   */
  boolean prefersSecond(double firstLoad, double secondLoad) {
    return secondLoad < firstLoad;
  }

  /** A usable, not avoided index other than {@code other}, or -1 after {@link #DRAWS} misses. */
  private static int draw(Subset subset, PickContext ctx, RandomGenerator random, int other) {
    for (int i = 0; i < DRAWS; i++) {
      // The second draw excludes the first in one go, weights or not: redrawing until it
      // differs would, with weights, often give up on a heavy first choice and compare nothing.
      int index = other >= 0 ? subset.randomIndexExcept(random, other) : subset.randomIndex(random);
      if (ctx.usable(subset.get(index)) && !ctx.avoid(index)) {
        return index;
      }
    }
    return -1;
  }

  private static double pendingScale(Subset subset, EndpointState e) {
    return subset.cumulative == null
        ? 1.0
        : (double) subset.totalWeight / ((double) subset.size() * e.weight());
  }
}
