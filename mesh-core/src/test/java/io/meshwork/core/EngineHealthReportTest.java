package io.meshwork.core;

import static io.meshwork.core.EngineHarness.MILLIS;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.model.Address;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.HealthCheckPolicy;
import io.meshwork.core.model.OutlierDetectionPolicy;
import io.meshwork.core.model.RetryPolicy;
import java.time.Duration;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * What a transport's health checker reports through {@link Destination#reportHealth}: a serving
 * report readmits an ejected endpoint at once, a not-serving one keeps an endpoint out until it
 * serves again, unknown addresses and reports while checking is off change nothing.
 */
class EngineHealthReportTest {
  private static final Duration BASE = Duration.ofSeconds(30);
  private static final List<Endpoint> ENDPOINTS = EngineHarness.endpoints(4);
  private static final HealthCheckPolicy HTTP_CHECKS =
      new HealthCheckPolicy(true, "", "/healthz", Duration.ofMillis(200));

  private static ClientPolicy policy(HealthCheckPolicy health) {
    return EngineHarness.noBreaker()
        .retries(RetryPolicy.none())
        .outlierDetection(new OutlierDetectionPolicy(true, 5, BASE, Duration.ofMinutes(5), 50, 50))
        .healthCheck(health)
        .build();
  }

  private static Map<Endpoint, Long> traffic(EngineHarness h, Set<Endpoint> failing, int calls) {
    Destination d = h.destination();
    return IntStream.range(0, calls)
        .mapToObj(i -> h.drive(d, MeshRequest.EMPTY_IDEMPOTENT,
            e -> failing.contains(e) ? Outcome.http(503) : Outcome.http(200), MILLIS))
        .peek(r -> assertThat(r.failure()).isNull())
        .map(EngineHarness.CallResult::last)
        .collect(Collectors.groupingBy(e -> e, Collectors.counting()));
  }

  @Test
  void anEjectedEndpointReportedServingIsReadmittedAndPickedAtOnce() {
    Endpoint bad = ENDPOINTS.get(2);
    try (EngineHarness h = new EngineHarness(21).service(policy(HTTP_CHECKS), ENDPOINTS)) {
      Destination d = h.destination();
      for (int i = 0; i < 10_000 && h.events.ejections.isEmpty(); i++) {
        h.drive(d, MeshRequest.EMPTY_IDEMPOTENT, e -> e.equals(bad) ? Outcome.http(503) : Outcome.http(200), MILLIS);
      }
      assertThat(h.status(d, bad).ejected()).isTrue();

      h.ticker.advance(Duration.ofMillis(200)); // one check interval, far from the 30 s ejection
      d.reportHealth(bad.address(), true);

      assertThat(h.events.readmissions).containsExactly(bad);
      assertThat(h.status(d, bad).ejected()).isFalse();
      assertThat(traffic(h, Set.of(), 400).get(bad)).isGreaterThan(400 / 4 / 2);
      // A second serving report of a healthy endpoint changes nothing.
      d.reportHealth(bad.address(), true);
      assertThat(h.events.readmissions).containsExactly(bad);
    }
  }

  @Test
  void aNotServingEndpointGetsNoPicksUntilItIsReportedServing() {
    Endpoint draining = ENDPOINTS.get(1);
    try (EngineHarness h = new EngineHarness(22).service(policy(HTTP_CHECKS), ENDPOINTS)) {
      Destination d = h.destination();
      d.reportHealth(draining.address(), false);
      assertThat(h.status(d, draining).notServing()).as("shown in the endpoint's status").isTrue();
      assertThat(h.status(d, ENDPOINTS.get(0)).notServing()).isFalse();

      Map<Endpoint, Long> whileOut = traffic(h, Set.of(), 1000);
      assertThat(whileOut).doesNotContainKey(draining).hasSize(3);
      assertThat(h.events.ejections).isEmpty();
      assertThat(h.events.readmissions).isEmpty();

      d.reportHealth(draining.address(), true);
      assertThat(h.status(d, draining).notServing()).isFalse();
      assertThat(traffic(h, Set.of(), 1000).get(draining)).isGreaterThan(1000 / 4 / 2);
      assertThat(h.events.readmissions).as("not ejected, so not readmitted").isEmpty();
    }
  }

  @Test
  void whenEveryEndpointIsNotServingTheRouteUsesThemAllRatherThanFail() {
    try (EngineHarness h = new EngineHarness(23).service(policy(HTTP_CHECKS), ENDPOINTS)) {
      Destination d = h.destination();
      ENDPOINTS.forEach(e -> d.reportHealth(e.address(), false));
      assertThat(traffic(h, Set.of(), 400)).hasSize(4);
    }
  }

  @Test
  void reportsForUnknownAddressesAndWhileCheckingIsOffAreIgnored() {
    try (EngineHarness h = new EngineHarness(24).service(policy(HealthCheckPolicy.disabled()), ENDPOINTS)) {
      Destination d = h.destination();
      d.reportHealth(new Address("10.9.9.9", 8080), false);
      d.reportHealth(null, false);
      d.reportHealth(ENDPOINTS.get(0).address(), false);
      assertThat(traffic(h, Set.of(), 400)).hasSize(4);
    }
    try (EngineHarness h = new EngineHarness(25).service(policy(HTTP_CHECKS), ENDPOINTS)) {
      Destination d = h.destination();
      d.reportHealth(new Address("10.9.9.9", 8080), false);
      assertThat(traffic(h, Set.of(), 400)).hasSize(4);

      // A mark left when checking is switched off in the registry is cleared.
      d.reportHealth(ENDPOINTS.get(0).address(), false);
      assertThat(traffic(h, Set.of(), 400)).hasSize(3);
      h.service(policy(HealthCheckPolicy.disabled()), ENDPOINTS);
      assertThat(traffic(h, Set.of(), 400)).hasSize(4);
    }
  }
}
