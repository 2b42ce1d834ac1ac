package io.meshwork.core;

import static io.meshwork.core.EngineHarness.MILLIS;
import static io.meshwork.core.EngineHarness.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshwork.core.model.CircuitBreakerPolicy;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.OutlierDetectionPolicy;
import io.meshwork.core.model.RetryPolicy;
import io.meshwork.core.registry.Registration;
import io.meshwork.core.registry.ServiceSnapshot;
import io.meshwork.core.registry.Watch;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * What operators' tools read from a running mesh (an admin server, Actuator): listeners added
 * after the mesh is built, the breaker's next probe, an ejection's remaining time, and a named
 * port announced on every registration. Fake time throughout.
 */
class MeshOperatorViewTest {

  private static EngineHarness harness(long seed) {
    ClientPolicy policy = ClientPolicy.builder()
        .retries(RetryPolicy.none())
        .outlierDetection(new OutlierDetectionPolicy(true, 5, Duration.ofSeconds(30), Duration.ofMinutes(5), 50, 50))
        .circuitBreaker(new CircuitBreakerPolicy(true, 50, Duration.ofSeconds(20), 20, Duration.ofSeconds(10), 3))
        .build();
    return new EngineHarness(seed).service(policy, EngineHarness.endpoints(4));
  }

  @Test
  void theCircuitSaysWhenTheNextProbeIsDueAndHowOftenItOpened() {
    try (EngineHarness h = harness(1)) {
      Destination d = h.destination();
      assertThat(d.circuit()).isEqualTo(new CircuitStatus(CircuitState.CLOSED, Optional.empty(), 0));
      for (int i = 0; i < 20; i++) h.drive(d, MeshRequest.EMPTY_IDEMPOTENT, e -> Outcome.http(503), MILLIS);
      assertThat(d.circuit().state()).isEqualTo(CircuitState.OPEN);
      assertThat(d.circuit().probeIn()).contains(Duration.ofSeconds(10));
      assertThat(d.circuit().opened()).isEqualTo(1);

      h.ticker.advanceNanos(4 * SECONDS);
      assertThat(d.circuit().probeIn()).contains(Duration.ofSeconds(6));
      h.ticker.advanceNanos(7 * SECONDS);
      assertThat(d.circuit().probeIn()).as("due: the next call probes").contains(Duration.ZERO);
    }
  }

  @Test
  void anEjectedEndpointSaysHowLongUntilItMayComeBack() {
    try (EngineHarness h = harness(2)) {
      Destination d = h.destination();
      Endpoint bad = EngineHarness.endpoints(4).get(0);
      for (int i = 0; i < 40 && !h.status(d, bad).ejected(); i++) {
        h.drive(d, MeshRequest.EMPTY_IDEMPOTENT, e -> e.equals(bad) ? Outcome.http(503) : Outcome.http(200), MILLIS);
      }
      EndpointStatus ejected = h.status(d, bad);
      assertThat(ejected.ejected()).isTrue();
      assertThat(ejected.ejectedFor()).isEqualTo(Duration.ofSeconds(30));
      h.ticker.advanceNanos(10 * SECONDS);
      assertThat(h.status(d, bad).ejectedFor()).isEqualTo(Duration.ofSeconds(20));
      assertThat(d.endpoints()).filteredOn(s -> !s.endpoint().equals(bad))
          .allSatisfy(s -> assertThat(s.ejectedFor()).isEqualTo(Duration.ZERO));
    }
  }

  @Test
  void aListenerAddedToARunningMeshSeesLaterDecisionsUntilItsSubscriptionCloses() {
    try (EngineHarness h = harness(3)) {
      Destination d = h.destination();
      h.drive(d, MeshRequest.EMPTY_IDEMPOTENT, e -> Outcome.http(200), MILLIS);
      List<String> seen = new CopyOnWriteArrayList<>();
      Subscription s = h.mesh.addListener(new MeshEventListener() {
        @Override
        public void onAttemptStarted(String service, Endpoint endpoint, int attempt) {
          seen.add("attempt " + attempt);
        }

        @Override
        public void onCallCompleted(String service, String route, Outcome outcome, MeshException failure,
            int attempts, long durationNanos) {
          seen.add("completed " + durationNanos / MILLIS + " ms");
        }

        @Override
        public void onCircuitStateChanged(String service, CircuitState from, CircuitState to) {
          seen.add(from + "->" + to);
        }
      });
      h.drive(d, MeshRequest.EMPTY_IDEMPOTENT, e -> Outcome.http(200), 3 * MILLIS);
      assertThat(seen).containsExactly("attempt 1", "completed 3 ms");

      for (int i = 0; i < 20; i++) h.drive(d, MeshRequest.EMPTY_IDEMPOTENT, e -> Outcome.http(503), MILLIS);
      assertThat(seen).contains("CLOSED->OPEN");

      s.close();
      s.close(); // harmless
      int before = seen.size();
      h.ticker.advanceNanos(11 * SECONDS);
      h.drive(d, MeshRequest.EMPTY_IDEMPOTENT, e -> Outcome.http(200), MILLIS);
      assertThat(seen).hasSize(before);
      assertThat(h.events.circuitTransitions).as("the builder's listener still sees them")
          .contains("CLOSED->OPEN", "OPEN->HALF_OPEN");
    }
  }

  @Test
  void anAnnouncedPortIsAddedToEveryRegistrationOfTheMeshAndTakenBackWithoutAGap() {
    try (EngineHarness h = new EngineHarness(4)) {
      List<List<Endpoint>> views = new CopyOnWriteArrayList<>();
      try (Watch w = h.registry.watch("frontend", (ServiceSnapshot s) -> views.add(s.config().endpoints()))) {
        Registration r = h.mesh.register(Endpoint.ofPort("127.0.0.1", "http", 8080));
        assertThat(r.endpoint().ports()).containsOnlyKeys("http");
        int registered = views.size();

        Subscription announced = h.mesh.announcePort("admin", 9901);
        assertThat(r.endpoint().port("admin")).hasValue(9901);
        assertThat(w.current().config().endpoints()).singleElement()
            .satisfies(e -> assertThat(e.ports()).containsEntry("http", 8080).containsEntry("admin", 9901));
        assertThat(views.subList(registered, views.size())).as("the endpoint never left the registry while it was re-made")
            .allSatisfy(v -> assertThat(v).isNotEmpty().hasSizeLessThanOrEqualTo(2));

        Registration later = h.mesh.register(Endpoint.ofPort("127.0.0.1", "grpc", 9090));
        assertThat(later.endpoint().ports()).isEqualTo(Map.of("grpc", 9090, "admin", 9901));
        h.mesh.announcePort("admin", 9901); // again, the same: nothing changes
        assertThat(r.endpoint().port("admin")).hasValue(9901);

        // Taken back: both registrations lose the port, again without a gap.
        int before = views.size();
        announced.close();
        assertThat(r.endpoint().ports()).isEqualTo(Map.of("http", 8080));
        assertThat(later.endpoint().ports()).isEqualTo(Map.of("grpc", 9090));
        // One endpoint: two registrations of one process on one host are one endpoint with both ports.
        assertThat(w.current().config().endpoints()).singleElement()
            .satisfies(e -> assertThat(e.ports()).isEqualTo(Map.of("http", 8080, "grpc", 9090)));
        assertThat(views.subList(before, views.size())).allSatisfy(v -> assertThat(v).isNotEmpty());

        // A later announcement under the same name is not taken back by an old subscription.
        Subscription again = h.mesh.announcePort("admin", 9903);
        announced.close();
        assertThat(r.endpoint().port("admin")).hasValue(9903);
        again.close();
        assertThat(r.endpoint().port("admin")).isEmpty();

        r.close();
        later.close();
        assertThat(w.current().config().endpoints()).isEmpty();
        h.mesh.announcePort("admin", 9902); // no registration left: nothing to re-make
        assertThat(w.current().config().endpoints()).isEmpty();
      }
    }
  }

  @Test
  void aBadPortNameOrNumberIsRefusedNamingIt() {
    try (EngineHarness h = new EngineHarness(5)) {
      assertThatThrownBy(() -> h.mesh.announcePort("Admin Port", 9901))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Admin Port");
      assertThatThrownBy(() -> h.mesh.announcePort("admin", 70_000))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("admin").hasMessageContaining("70000");
    }
  }
}
