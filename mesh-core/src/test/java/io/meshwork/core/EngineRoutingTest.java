package io.meshwork.core;

import static io.meshwork.core.EngineHarness.SERVICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.meshwork.core.model.Address;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.Route;
import io.meshwork.core.model.WeightedTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Routes through the engine: header matches, weighted splits by label, and a route that selects nothing. */
class EngineRoutingTest {
  private static final MeshRequest CANARY = MeshRequest.of(Map.of("X-Canary", "true"), true);
  private static final MeshRequest PLAIN = MeshRequest.EMPTY_IDEMPOTENT;

  /** Five v1 endpoints (10.0.1.x) and five v2 endpoints (10.0.2.x). */
  private static List<Endpoint> versions() {
    List<Endpoint> out = new ArrayList<>();
    for (int v = 1; v <= 2; v++) {
      for (int i = 1; i <= 5; i++) {
        out.add(new Endpoint(Address.parse("10.0." + v + "." + i + ":8080"), "", 1, Map.of("version", "v" + v)));
      }
    }
    return out;
  }

  private static ClientPolicy policy(Route... routes) {
    return ClientPolicy.builder().routes(List.of(routes)).build();
  }

  private static final Route CANARY_ROUTE = Route.to("canary", Map.of("x-canary", "true"), Map.of("version", "v2"));
  private static final Route SPLIT_ROUTE = new Route("split", Map.of(),
      List.of(new WeightedTarget(Map.of("version", "v1"), 90), new WeightedTarget(Map.of("version", "v2"), 10)));

  private static String versionOf(EngineHarness.CallResult r) {
    return r.last().labels().get("version");
  }

  @Test
  void aRequestWithTheCanaryHeaderGoesOnlyToVersionTwo() {
    try (EngineHarness h = new EngineHarness(21).service(policy(CANARY_ROUTE, SPLIT_ROUTE), versions())) {
      Destination d = h.destination();
      for (int i = 0; i < 2000; i++) {
        EngineHarness.CallResult r = h.drive(d, CANARY, e -> Outcome.http(200), 1000);
        assertThat(r.route()).isEqualTo("canary");
        assertThat(versionOf(r)).isEqualTo("v2");
      }
      // All five v2 endpoints share the canary traffic.
      assertThat(d.endpoints().stream().filter(s -> s.attempts() > 0)
          .map(s -> s.endpoint().labels().get("version"))).hasSize(5).containsOnly("v2");
      assertThat(h.timerCount("mesh.client.requests", "service", SERVICE, "route", "canary", "outcome", "success", "error.type", "none",
          "status", "200")).isEqualTo(2000);
    }
  }

  @Test
  void aNinetyTenSplitByLabelLandsWithinTwoPercentOverOneHundredThousandCalls() {
    try (EngineHarness h = new EngineHarness(22).service(policy(CANARY_ROUTE, SPLIT_ROUTE), versions())) {
      Destination d = h.destination();
      int calls = 100_000;
      int v1 = 0;
      for (int i = 0; i < calls; i++) {
        EngineHarness.CallResult r = h.drive(d, PLAIN, e -> Outcome.http(200), 1000);
        assertThat(r.route()).isEqualTo("split");
        if (versionOf(r).equals("v1")) v1++;
      }
      System.out.printf("90/10 split: v1 got %.3f%%%n", 100.0 * v1 / calls);
      assertThat((double) v1 / calls).isCloseTo(0.90, within(0.02));
      assertThat(h.timerCount("mesh.client.requests", "service", SERVICE, "route", "split")).isEqualTo(calls);
    }
  }

  @Test
  void aRequestNoRouteMatchesUsesEveryEndpointOnTheDefaultRoute() {
    try (EngineHarness h = new EngineHarness(23).service(policy(CANARY_ROUTE), versions())) {
      Destination d = h.destination();
      for (int i = 0; i < 1000; i++) {
        assertThat(h.drive(d, PLAIN, e -> Outcome.http(200), 1000).route()).isEqualTo("default");
      }
      assertThat(d.endpoints()).allMatch(s -> s.attempts() > 0);
    }
  }

  @Test
  void aRouteSelectingALabelNoEndpointHasFailsWithNoEndpointsNamingTheRoute() {
    Route v3 = Route.to("v3-only", Map.of(), Map.of("version", "v3"));
    try (EngineHarness h = new EngineHarness(24).service(policy(v3), versions())) {
      Destination d = h.destination();
      try (Call call = d.newCall(PLAIN)) {
        assertThat(call.route()).isEqualTo("v3-only");
        assertThatThrownBy(call::nextAttempt)
            .isInstanceOf(NoEndpointsException.class)
            .hasMessageStartingWith(SERVICE + ": no endpoints")
            .hasMessageContaining("route v3-only")
            .hasMessageContaining("version=v3");
      }
      assertThat(h.events.attemptsStarted()).isZero();
      assertThat(d.inFlight()).isZero();
      assertThat(h.timerCount("mesh.client.requests", "service", SERVICE, "route", "v3-only", "outcome", "rejected",
          "status", "none", "error.type", "no-endpoints")).isEqualTo(1);
    }
  }
}
