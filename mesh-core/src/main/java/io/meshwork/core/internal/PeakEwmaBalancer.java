package io.meshwork.core.internal;

/**
 * Power of two choices by peak-EWMA latency times outstanding requests: the default balancer.
 *
 * <p>Load is {@code cost × (1 + pending × meanWeight / weight)}, where cost is the endpoint's
 * {@link PeakEwma} latency estimate decayed to now. Latency alone would pile requests onto the
 * endpoint that was fast a moment ago; outstanding requests alone would miss an endpoint that
 * answers every request slowly. Their product estimates how long a new request would wait, as
 * in Finagle's {@code P2CPeakEwma} and linkerd2-proxy's {@code PeakEwma} load (the "peak" makes
 * a slow response count at once; see {@link PeakEwma} for the decay). With equal weights the
 * factor is the familiar {@code pending + 1}.
 *
 * <p>The estimate learns only when attempts end, so an endpoint that stops answering would keep
 * its last fast estimate, decaying further, for as long as its attempts hang. Two rules close
 * that gap. An attempt that ends without an answer (timed out, or cancelled by its caller) feeds
 * its elapsed time as a lower bound ({@link EndpointState#observeLowerBound}). And while attempts
 * are outstanding, the cost is at least their mean age ({@link EndpointState#outstandingAgeNanos}):
 * an endpoint whose requests have waited longer than its estimate does not look cheap, from the
 * first milliseconds of a stall rather than after the first timeout.
 *
 * <p>An endpoint without a latency sample yet has load 0 while idle, so a new endpoint gets a
 * probe at once, and a {@link #PENALTY} per outstanding request otherwise, so that it gets no
 * more until that probe answers (Finagle does the same). Because estimates decay toward zero
 * while unread, an endpoint that was slow is tried again after some multiple of tau, and wins
 * its traffic back when it has recovered.
 *
 * <p>Stateless and thread-safe; the pick allocates nothing; see {@link PowerOfTwoChoices}.
 */
final class PeakEwmaBalancer extends PowerOfTwoChoices {
  /** Load of an unmeasured endpoint per outstanding request: 1000 s, beyond any real latency. */
  static final double PENALTY = 1e12;

  @Override
  double load(EndpointState e, double pendingScale, PickContext ctx) {
    long outstanding = e.outstanding(); // one read: count and age agree
    int pending = EndpointState.pendingOf(outstanding);
    if (!e.measured()) {
      return pending == 0 ? 0 : PENALTY * (pending + 1);
    }
    double cost = e.costNanos(ctx.nowNanos(), ctx.tauNanos());
    if (pending != 0) {
      // The estimate cannot be below what is in flight has already waited: see the class.
      cost = Math.max(cost, EndpointState.ageOf(outstanding, ctx.nowNanos()));
    }
    return cost * (1 + pending * pendingScale);
  }

  /** Loads closer than this (relative) count as a tie: see {@link #prefersSecond}. */
  static final double TIE = 0.2;

  /**
   * The second draw wins only when its load is lower by more than {@link #TIE}; otherwise the
   * first draw, which is drawn by weight, keeps the pick. Without this margin, endpoint weights
   * would barely count at low load: with no request outstanding the loads are the latency
   * estimates alone, and those differ mostly by how long ago each endpoint was last sampled
   * (estimates decay while unread), which favours the endpoints that get less traffic, the
   * light ones. A 3:1 weighting then came out 64:36 at 5 to 50 requests a second. Real
   * differences (a slow endpoint, requests piling up) are far beyond the margin.
   */
  @Override
  boolean prefersSecond(double firstLoad, double secondLoad) {
    return secondLoad < firstLoad * (1 - TIE);
  }

  @Override
  public String toString() {
    return "PeakEwmaBalancer";
  }
}
