package io.meshwork.core;

import static io.meshwork.core.EngineHarness.MILLIS;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.LoadBalancerKind;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Registry changes reach the next call and leave calls in flight alone. */
class EngineRegistryChangeTest {
  private static final Endpoint A = Endpoint.of("10.0.0.1:8080");
  private static final Endpoint B = Endpoint.of("10.0.0.2:8080");
  private static final Endpoint C = Endpoint.of("10.0.0.3:8080");
  private static final Endpoint D = Endpoint.of("10.0.0.4:8080");

  private static Set<Endpoint> endpointsOf(EngineHarness h, int calls) {
    Set<Endpoint> seen = new HashSet<>();
    for (int i = 0; i < calls; i++) {
      seen.add(h.drive(h.destination(), MeshRequest.EMPTY_IDEMPOTENT, e -> Outcome.http(200), MILLIS).last());
    }
    return seen;
  }

  @Test
  void replacedEndpointsTakeEffectOnTheNextCallWhileACallStartedBeforeCompletesOnTheOldOne() {
    try (EngineHarness h = new EngineHarness(81).service(ClientPolicy.DEFAULT, List.of(A, B))) {
      Destination d = h.destination();
      assertThat(endpointsOf(h, 200)).containsExactlyInAnyOrder(A, B);

      Call before = d.newCall(MeshRequest.EMPTY_IDEMPOTENT);
      Attempt inFlight = before.nextAttempt();
      Endpoint old = inFlight.endpoint();

      h.service(ClientPolicy.DEFAULT, List.of(C, D));
      assertThat(d.snapshot().config().endpoints()).containsExactly(C, D);
      assertThat(d.endpoints()).extracting(EndpointStatus::endpoint).containsExactly(C, D);

      // The next call sees only the new endpoints.
      assertThat(endpointsOf(h, 200)).containsExactlyInAnyOrder(C, D);

      // The old call ends normally, on the endpoint it picked.
      h.ticker.advanceMillis(1);
      assertThat(inFlight.complete(Outcome.http(200)).isDone()).isTrue();
      assertThat(inFlight.endpoint()).isEqualTo(old).isIn(A, B);
      before.close();
      assertThat(d.inFlight()).isZero();
    }
  }

  @Test
  void anEndpointThatStaysKeepsItsStateAcrossARegistryChange() {
    try (EngineHarness h = new EngineHarness(82).service(ClientPolicy.DEFAULT, List.of(A, B))) {
      endpointsOf(h, 100);
      long attemptsOnB = h.status(h.destination(), B).attempts();
      assertThat(attemptsOnB).isPositive();

      h.service(ClientPolicy.DEFAULT, List.of(B, C));
      assertThat(h.status(h.destination(), B).attempts()).isEqualTo(attemptsOnB);
      assertThat(h.status(h.destination(), C).attempts()).isZero();
    }
  }

  @Test
  void aPolicyChangeTakesEffectOnTheNextCall() {
    try (EngineHarness h = new EngineHarness(83).service(ClientPolicy.DEFAULT, List.of(A, B, C, D))) {
      h.service(ClientPolicy.builder().loadBalancer(LoadBalancerKind.ROUND_ROBIN).build(), List.of(A, B, C, D));
      endpointsOf(h, 400);
      assertThat(h.destination().endpoints()).allSatisfy(s -> assertThat(s.attempts()).isEqualTo(100));
    }
  }

  @Test
  void anUnknownServiceFailsWithNoEndpointsUntilTheRegistryNamesIt() {
    try (EngineHarness h = new EngineHarness(84)) {
      Destination d = h.destination();
      EngineHarness.CallResult r = h.drive(d, MeshRequest.EMPTY_IDEMPOTENT, e -> Outcome.http(200), MILLIS);
      assertThat(r.failure()).isInstanceOf(NoEndpointsException.class)
          .hasMessageContaining("unknown service");
      h.service(ClientPolicy.DEFAULT, List.of(A));
      assertThat(endpointsOf(h, 10)).containsExactly(A);
    }
  }
}
