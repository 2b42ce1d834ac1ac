package io.meshwork.core;

import static io.meshwork.core.EngineHarness.MILLIS;
import static io.meshwork.core.EngineHarness.SERVICE;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.OutlierDetectionPolicy;
import io.meshwork.core.model.RetryPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Outlier detection through the engine: endpoints that answer every call with 503 are
 * ejected, kept out, readmitted, and ejected for longer the next time; panic mode and the cap
 * on ejections. Calls are not retried (so each failure is one attempt on one endpoint) and the
 * breaker is off (it would stop the calls these tests need).
 */
class EngineOutlierDetectionTest {
  private static final Duration BASE = Duration.ofSeconds(30);
  private static final List<Endpoint> ENDPOINTS = EngineHarness.endpoints(10);

  private static ClientPolicy policy(int maxEjectedPercent) {
    return EngineHarness.noBreaker()
        .retries(RetryPolicy.none())
        .outlierDetection(new OutlierDetectionPolicy(true, 5, BASE, Duration.ofMinutes(5), maxEjectedPercent, 50))
        .build();
  }

  /** Servers: the endpoints in {@code failing} answer 503, the others 200. */
  private static Outcome serve(Set<Endpoint> failing, Endpoint e) {
    return failing.contains(e) ? Outcome.http(503) : Outcome.http(200);
  }

  /** Attempts per endpoint over {@code calls} calls, 1 ms each. */
  private static Map<Endpoint, Long> traffic(EngineHarness h, Set<Endpoint> failing, int calls) {
    Destination d = h.destination();
    return java.util.stream.IntStream.range(0, calls)
        .mapToObj(i -> h.drive(d, MeshRequest.EMPTY_IDEMPOTENT, e -> serve(failing, e), MILLIS).last())
        .collect(Collectors.groupingBy(e -> e, Collectors.counting()));
  }

  /** Drives calls until {@code n} ejections have happened (or gives up after many calls). */
  private static void driveUntilEjections(EngineHarness h, Set<Endpoint> failing, int n) {
    for (int i = 0; i < 10_000 && h.events.ejections.size() < n; i++) {
      h.drive(h.destination(), MeshRequest.EMPTY_IDEMPOTENT, e -> serve(failing, e), MILLIS);
    }
    assertThat(h.events.ejections).hasSize(n);
  }

  @Test
  void anEndpointFailingEveryCallIsEjectedAfterExactlyFiveFailuresKeptOutReadmittedAndEjectedLongerNextTime() {
    Endpoint bad = ENDPOINTS.get(6);
    Set<Endpoint> failing = Set.of(bad);
    try (EngineHarness h = new EngineHarness(11).service(policy(50), ENDPOINTS)) {
      Destination d = h.destination();

      int failures = 0;
      while (h.events.ejections.isEmpty()) {
        EngineHarness.CallResult r = h.drive(d, MeshRequest.EMPTY_IDEMPOTENT, e -> serve(failing, e), MILLIS);
        if (r.last().equals(bad)) {
          failures++;
          assertThat(h.events.ejections).as("ejections after %d failures", failures).hasSize(failures < 5 ? 0 : 1);
        }
        assertThat(failures).isLessThanOrEqualTo(5);
      }
      assertThat(failures).isEqualTo(5);
      assertThat(h.events.ejections.get(0)).isEqualTo(new EngineHarness.RecordingListener.Ejection(bad, BASE.toNanos(), 1));
      assertThat(h.counter("mesh.client.ejections", "service", SERVICE)).isEqualTo(1);
      assertThat(h.status(d, bad).ejected()).isTrue();
      assertThat(h.meters.find("mesh.client.endpoints").tags("service", SERVICE, "state", "ejected").gauge().value())
          .isEqualTo(1);

      // Ejected: no traffic at all over many calls (2 s of them).
      Map<Endpoint, Long> whileEjected = traffic(h, failing, 2000);
      assertThat(whileEjected).doesNotContainKey(bad).hasSize(9);

      // Readmitted once the ejection time has passed, and gets traffic again.
      h.ticker.advance(BASE);
      Map<Endpoint, Long> afterReadmission = traffic(h, Set.of(), 500);
      assertThat(h.events.readmissions).containsExactly(bad);
      assertThat(afterReadmission.get(bad)).isGreaterThan(10);
      assertThat(h.status(d, bad).ejected()).isFalse();

      // Failing again right away: the second ejection in a row lasts twice as long.
      driveUntilEjections(h, failing, 2);
      assertThat(h.events.ejections.get(1)).isEqualTo(
          new EngineHarness.RecordingListener.Ejection(bad, 2 * BASE.toNanos(), 2));
      assertThat(h.counter("mesh.client.ejections", "service", SERVICE)).isEqualTo(2);
      h.ticker.advance(BASE);
      assertThat(traffic(h, failing, 1000)).doesNotContainKey(bad);
      h.ticker.advance(BASE);
      assertThat(traffic(h, Set.of(), 500)).containsKey(bad);
      assertThat(h.events.readmissions).containsExactly(bad, bad);
    }
  }

  @Test
  void whenFewerThanHalfTheEndpointsAreHealthyPanicModeSpreadsCallsOverAllOfThem() {
    Set<Endpoint> failing = Set.copyOf(ENDPOINTS.subList(0, 6));
    try (EngineHarness h = new EngineHarness(12).service(policy(100), ENDPOINTS)) {
      driveUntilEjections(h, failing, 6);
      assertThat(h.events.ejections.stream().map(EngineHarness.RecordingListener.Ejection::endpoint))
          .containsExactlyInAnyOrderElementsOf(failing);

      Map<Endpoint, Long> traffic = traffic(h, failing, 5000);
      assertThat(traffic).hasSize(10);
      for (Endpoint e : failing) {
        assertThat(traffic.get(e)).as("ejected %s in panic mode", e).isGreaterThan(5000 / 10 / 2);
      }
      assertThat(h.destination().endpoints().stream().filter(EndpointStatus::ejected)).hasSize(6);
    }
  }

  @Test
  void withFourOfTenEjectedTheEjectedOnesGetNoTraffic() {
    Set<Endpoint> failing = Set.copyOf(ENDPOINTS.subList(0, 4));
    try (EngineHarness h = new EngineHarness(13).service(policy(100), ENDPOINTS)) {
      driveUntilEjections(h, failing, 4);

      Map<Endpoint, Long> traffic = traffic(h, failing, 5000);
      assertThat(traffic).hasSize(6).doesNotContainKeys(failing.toArray(new Endpoint[0]));
    }
  }

  @Test
  void maxEjectedPercentFiftyCapsEjectionsAtFiveOfTen() {
    Set<Endpoint> failing = Set.copyOf(ENDPOINTS.subList(0, 8));
    try (EngineHarness h = new EngineHarness(14).service(policy(50), ENDPOINTS)) {
      Destination d = h.destination();
      for (int i = 0; i < 5000; i++) {
        h.drive(d, MeshRequest.EMPTY_IDEMPOTENT, e -> serve(failing, e), MILLIS);
      }
      assertThat(h.events.ejections).hasSize(5);
      assertThat(d.endpoints().stream().filter(EndpointStatus::ejected)).hasSize(5);
      assertThat(h.counter("mesh.client.ejections", "service", SERVICE)).isEqualTo(5);
      // The three failing endpoints left in do keep failing: the cap, not their health, keeps them.
      assertThat(d.endpoints().stream().filter(s -> !s.ejected() && failing.contains(s.endpoint()))
          .mapToLong(EndpointStatus::failures)).allMatch(f -> f > 5);
    }
  }

  @Test
  void aReadmittedEndpointGetsAProbeAtOnceInsteadOfWaitingForItsOldEstimateToDecay() {
    List<Endpoint> three = EngineHarness.endpoints(3);
    Endpoint x = three.get(0);
    try (EngineHarness h = new EngineHarness(21)) {
      // Round robin while x fails, so that it keeps getting attempts until it is ejected
      // (peak-EWMA would stop sending it any after its first timeout).
      ClientPolicy roundRobin = EngineHarness.noBreaker().retries(RetryPolicy.none())
          .loadBalancer(io.meshwork.core.model.LoadBalancerKind.ROUND_ROBIN)
          .outlierDetection(new OutlierDetectionPolicy(true, 5, BASE, Duration.ofMinutes(5), 100, 50)).build();
      h.service(roundRobin, three);
      Destination d = h.destination();
      // x stops answering: its attempts time out after 1 s (a lower bound of 1 s for peak-EWMA)
      // until outlier detection ejects it; the others answer in 20 ms.
      for (int i = 0; i < 2_000 && h.events.ejections.isEmpty(); i++) {
        try (Call call = d.newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
          Attempt a = call.nextAttempt();
          boolean isX = a.endpoint().equals(x);
          h.ticker.advanceNanos(isX ? 1_000 * MILLIS : 20 * MILLIS);
          a.complete(isX ? Outcome.timeout() : Outcome.http(200));
        }
      }
      assertThat(h.events.ejections).singleElement().extracting(EngineHarness.RecordingListener.Ejection::endpoint)
          .isEqualTo(x);
      h.service(policy(100), three); // peak-EWMA again; endpoint state, estimates included, carries over
      h.ticker.advance(BASE); // x recovers meanwhile; its old estimate has decayed to about 50 ms

      long before = h.status(d, x).attempts();
      for (int i = 0; i < 10; i++) {
        h.drive(d, MeshRequest.EMPTY_IDEMPOTENT, e -> Outcome.http(200), 20 * MILLIS);
      }

      assertThat(h.events.readmissions).containsExactly(x);
      assertThat(h.status(d, x).attempts() - before).as("attempts x got of the first 10 calls after readmission")
          .isPositive();
      assertThat(h.status(d, x).ewmaLatencyNanos()).as("its estimate, from the probe's answer")
          .isBetween(19 * MILLIS, 21 * MILLIS);
    }
  }
}
