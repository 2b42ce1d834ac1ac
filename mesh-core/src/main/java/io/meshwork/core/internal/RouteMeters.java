package io.meshwork.core.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The {@code mesh.client.requests} timers of one route of one destination, one per outcome
 * slot (HTTP status, gRPC code, failure kind), resolved on first use and then read from an
 * array: the per-call cost is an array read, never a registry lookup.
 */
final class RouteMeters {
  private final MeterRegistry registry;
  private final String service;
  private final String route;
  private final boolean histograms;
  private final AtomicReferenceArray<Timer> timers = new AtomicReferenceArray<>(Slots.COUNT);

  RouteMeters(MeterRegistry registry, String service, String route, boolean histograms) {
    this.registry = registry;
    this.service = service;
    this.route = route;
    this.histograms = histograms;
  }

  Timer timer(int slot) {
    Timer t = timers.get(slot);
    if (t == null) {
      t = Timer.builder("mesh.client.requests")
          .description("Calls to a mesh service, from admission to the final outcome")
          .tag("service", service)
          .tag("route", route)
          .tag("outcome", Slots.outcome(slot))
          .tag("status", Slots.label(slot))
          .publishPercentileHistogram(histograms)
          .register(registry);
      timers.compareAndSet(slot, null, t);
    }
    return t;
  }
}
