package io.meshwork.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.OutlierDetectionPolicy;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.model.ZonePreference;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.core.testing.FakeTicker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Calls stay in the caller's zone while that zone has enough healthy endpoints, and spread over
 * all zones when it does not.
 */
class EngineZonePreferenceTest {
  private final FakeTicker ticker = new FakeTicker();
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final SplittableRandom random = new SplittableRandom(5);
  private final Mesh mesh = Mesh.builder().serviceName("frontend").zone("a").registry(registry)
      .meterRegistry(new SimpleMeterRegistry()).ticker(ticker).random(() -> random).build();

  // Zone a: 3 endpoints; zone b: 3 endpoints.
  private final List<Endpoint> endpoints = List.of(
      Endpoint.of("10.0.0.1:80").withZone("a"), Endpoint.of("10.0.0.2:80").withZone("a"),
      Endpoint.of("10.0.0.3:80").withZone("a"), Endpoint.of("10.0.1.1:80").withZone("b"),
      Endpoint.of("10.0.1.2:80").withZone("b"), Endpoint.of("10.0.1.3:80").withZone("b"));

  @AfterEach
  void close() {
    mesh.close();
    registry.close();
  }

  private void service(ZonePreference zones) {
    ClientPolicy policy = EngineHarness.noBreaker().zonePreference(zones)
        .outlierDetection(new OutlierDetectionPolicy(true, 1, Duration.ofSeconds(30), Duration.ofMinutes(5), 100, 0))
        .build();
    registry.putService(ServiceConfig.builder("greeter").endpoints(endpoints).client(policy).build());
  }

  /** Sends {@code n} successful calls, failing those to {@code down}; counts calls per zone. */
  private Map<String, Integer> send(int n, List<Endpoint> down) {
    Destination d = mesh.destination("greeter");
    Map<String, Integer> perZone = new HashMap<>();
    for (int i = 0; i < n; i++) {
      try (Call call = d.newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
        Attempt a = call.nextAttempt();
        perZone.merge(a.endpoint().zone(), 1, Integer::sum);
        ticker.advanceMillis(1);
        a.complete(down.contains(a.endpoint()) ? Outcome.http(503) : Outcome.http(200));
      }
    }
    return perZone;
  }

  @Test
  void callsStayInTheCallersZoneWhileItIsHealthy() {
    service(ZonePreference.DEFAULT);
    assertThat(send(1_000, List.of())).containsOnlyKeys("a").containsEntry("a", 1_000);
  }

  @Test
  void callsSpreadOverAllZonesWhenTooFewLocalEndpointsAreHealthy() {
    service(ZonePreference.DEFAULT); // stay local while >= 70 % of the local zone is healthy
    // Two of three zone-a endpoints fail once and are ejected (consecutiveFailures 1).
    send(200, List.of(endpoints.get(0), endpoints.get(1)));
    Map<String, Integer> after = send(1_000, List.of());
    assertThat(after.getOrDefault("b", 0)).isGreaterThan(400);
    // One healthy endpoint in zone a of three is below 70 %: the local endpoint shares the load.
    assertThat(after.getOrDefault("a", 0)).isLessThan(600);
  }

  @Test
  void withZonePreferenceOffCallsSpreadOverAllZones() {
    service(new ZonePreference(false, 70));
    Map<String, Integer> perZone = send(2_000, List.of());
    assertThat(perZone.get("a")).isBetween(800, 1_200);
    assertThat(perZone.get("b")).isBetween(800, 1_200);
  }
}
