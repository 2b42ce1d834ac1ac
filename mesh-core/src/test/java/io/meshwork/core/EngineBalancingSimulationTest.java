package io.meshwork.core;

import static io.meshwork.core.EngineHarness.MILLIS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.LoadBalancerKind;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Load balancing through the whole engine (routing, admission, pick, completion feeding the
 * estimates), as a discrete-event simulation in fake time: 10 endpoints, one ten times slower,
 * 1000 requests a second for a simulated minute.
 */
class EngineBalancingSimulationTest {
  private static final int ENDPOINTS = 10;
  private static final long REQUESTS = 60_000; // 60 s at 1000/s

  /** Share of attempts that went to the slow endpoint. */
  private static double slowShare(LoadBalancerKind kind, long seed) {
    List<Endpoint> endpoints = EngineHarness.endpoints(ENDPOINTS);
    Endpoint slow = endpoints.get(3);
    try (EngineHarness h = new EngineHarness(seed)) {
      h.service(ClientPolicy.builder().loadBalancer(kind).build(), endpoints);
      Destination dest = h.destination();
      SplittableRandom jitter = new SplittableRandom(seed + 1);
      EngineHarness.Simulation sim = h.new Simulation(dest);
      // 10 ms, or 100 ms for the slow one, each stretched by up to 10 %.
      sim.latencyNanos = e -> (long) ((e.equals(slow) ? 100 : 10) * MILLIS * (1 + 0.1 * jitter.nextDouble()));
      sim.arrivals(1000, REQUESTS).run();

      assertThat(sim.calls).isEqualTo(REQUESTS);
      assertThat(sim.done).isEqualTo(REQUESTS);
      assertThat(dest.inFlight()).isZero();
      assertThat(h.status(dest, slow).attempts()).isEqualTo(sim.attemptsTo(slow));
      double share = (double) sim.attemptsTo(slow) / sim.attempts;
      System.out.printf("%s: slow endpoint got %d of %d attempts (%.3f%%)%n", kind, sim.attemptsTo(slow),
          sim.attempts, share * 100);
      return share;
    }
  }

  @Test
  void peakEwmaSendsTheTenTimesSlowerEndpointLessThanTwoPercent() {
    assertThat(slowShare(LoadBalancerKind.PEAK_EWMA, 42)).isLessThan(0.02);
  }

  @Test
  void roundRobinSendsTheSlowEndpointItsTenPercentRegardless() {
    assertThat(slowShare(LoadBalancerKind.ROUND_ROBIN, 42)).isCloseTo(0.10, within(0.01));
  }

  @Test
  void leastRequestSendsTheSlowEndpointLessThanItsShareButMoreThanPeakEwma() {
    double leastRequest = slowShare(LoadBalancerKind.LEAST_REQUEST, 42);
    assertThat(leastRequest).isLessThan(0.10).isGreaterThan(slowShare(LoadBalancerKind.PEAK_EWMA, 42));
  }
}
