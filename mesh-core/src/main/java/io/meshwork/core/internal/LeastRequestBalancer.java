package io.meshwork.core.internal;

/**
 * Power of two choices by outstanding requests per unit of weight.
 *
 * <p>Load is {@code pending × meanWeight / weight}: the endpoint with fewer requests in flight,
 * relative to its share, wins. It needs no latency samples and reacts the moment a request is
 * sent, but sees a slow endpoint only through the requests queueing on it, so it sends a slow
 * endpoint less than its share but more than {@link PeakEwmaBalancer} does. Idle endpoints tie,
 * and the tie goes to the first (weighted) draw, so without load traffic follows the weights;
 * counting {@code pending + 1} over the weight instead would hand every pick at low load to the
 * heavier of the two draws. Envoy's {@code LEAST_REQUEST} and Finagle's {@code P2CLeastLoaded}
 * are the models; see {@link PowerOfTwoChoices} for the choice itself.
 *
 * <p>Stateless and thread-safe; the pick allocates nothing.
 */
final class LeastRequestBalancer extends PowerOfTwoChoices {
  @Override
  double load(EndpointState e, double pendingScale, PickContext ctx) {
    return e.pending() * pendingScale;
  }

  @Override
  public String toString() {
    return "LeastRequestBalancer";
  }
}
