package io.meshwork.core.internal;

import io.micrometer.core.instrument.Timer;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The {@code mesh.client.requests} timers of one route of one destination, one per outcome
 * slot (HTTP status, gRPC code, failure kind), resolved on first use and then read from an
 * array: the per-call cost is an array read, never a registry lookup. The slot gives every tag
 * value: outcome, status and error.type (see {@link Slots}).
 */
final class RouteMeters {
  private final OwnedMeters meters;
  private final String service;
  private final String route;
  private final boolean histograms;
  private final AtomicReferenceArray<Timer> timers = new AtomicReferenceArray<>(Slots.COUNT);

  RouteMeters(OwnedMeters meters, String service, String route, boolean histograms) {
    this.meters = meters;
    this.service = service;
    this.route = route;
    this.histograms = histograms;
  }

  Timer timer(int slot) {
    Timer t = timers.get(slot);
    if (t == null) {
      t = meters.timer(Timer.builder("mesh.client.requests")
          .description("Calls to a mesh service, from admission to the final outcome")
          .tag("service", service)
          .tag("route", route)
          .tag("outcome", Slots.outcome(slot))
          .tag("status", Slots.status(slot))
          .tag("error.type", Slots.errorType(slot))
          .publishPercentileHistogram(histograms));
      timers.compareAndSet(slot, null, t);
    }
    return t;
  }
}
