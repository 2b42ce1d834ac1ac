package io.meshwork.core;

import static io.meshwork.core.EngineHarness.MILLIS;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.model.CircuitBreakerPolicy;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.OutlierDetectionPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Callers that give up before the mesh does (a gRPC deadline, {@code orTimeout}, an upstream
 * hang-up) still teach peak-EWMA that an endpoint is slow, and never count against its health.
 * Fake time throughout: the caller's 1 s deadline comes before the policy's 2 s timeout, so the
 * mesh's own timeout never fires.
 */
class EngineCancelledAttemptsTest {
  private static final Duration POLICY_TIMEOUT = Duration.ofSeconds(2);
  private static final long CALLER_GIVES_UP = 1_000 * MILLIS;
  private static final long HEALTHY = 20 * MILLIS;

  private final List<Endpoint> endpoints = EngineHarness.endpoints(3);
  private final Endpoint hung = endpoints.get(1);

  /** How the caller gives up: by reporting the attempt cancelled, or by closing the call. */
  enum GiveUp { COMPLETE_CANCELLED, CLOSE_IN_FLIGHT }

  private static ClientPolicy.Builder policy() {
    return ClientPolicy.builder().timeout(POLICY_TIMEOUT);
  }

  /** Sends {@code n} calls one after another, every endpoint answering 200 in 20 ms. */
  private static void warmUp(EngineHarness h, Destination d, int n) {
    for (int i = 0; i < n; i++) {
      h.drive(d, MeshRequest.EMPTY_IDEMPOTENT, e -> Outcome.http(200), HEALTHY);
    }
  }

  /**
   * One call as a caller with a 1 s deadline makes it: the hung endpoint never answers, so the
   * caller gives up after 1 s; the others answer in 20 ms. Returns the endpoint tried.
   */
  private static Endpoint call(EngineHarness h, Destination d, Endpoint hung, GiveUp how) {
    Call call = d.newCall(MeshRequest.EMPTY_IDEMPOTENT);
    try {
      Attempt a = call.nextAttempt();
      if (a.endpoint().equals(hung)) {
        h.ticker.advanceNanos(CALLER_GIVES_UP);
        if (how == GiveUp.COMPLETE_CANCELLED) {
          assertThat(a.complete(Outcome.cancelled()).isRetry()).as("a cancelled attempt is never retried").isFalse();
        }
      } else {
        h.ticker.advanceNanos(HEALTHY);
        a.complete(Outcome.http(200));
      }
      return a.endpoint();
    } finally {
      call.close();
    }
  }

  @Test
  void attemptsCancelledOnAnEndpointThatNeverAnswersRaiseItsCostAboveItsPeersWithinAFewPicks() {
    for (GiveUp how : GiveUp.values()) {
      try (EngineHarness h = new EngineHarness(11)) {
        h.service(policy().build(), endpoints);
        Destination d = h.destination();
        warmUp(h, d, 30);

        List<Endpoint> tried = new ArrayList<>();
        for (int i = 0; i < 200; i++) tried.add(call(h, d, hung, how));

        long toHung = tried.stream().filter(hung::equals).count();
        assertThat(toHung).as("%s: calls that went to the hung endpoint of 200", how).isBetween(1L, 2L);
        EndpointStatus status = h.status(d, hung);
        assertThat(status.ewmaLatencyNanos()).as("%s: the hung endpoint's estimate", how)
            .isGreaterThan(10 * HEALTHY);
        for (Endpoint peer : endpoints) {
          if (!peer.equals(hung)) {
            assertThat(status.ewmaLatencyNanos()).as(how.toString())
                .isGreaterThan(h.status(d, peer).ewmaLatencyNanos());
          }
        }
      }
    }
  }

  @Test
  void aCancellationCutShortLeavesTheEstimateAlone() {
    try (EngineHarness h = new EngineHarness(5)) {
      h.service(policy().build(), List.of(hung));
      Destination d = h.destination();
      warmUp(h, d, 5);
      long before = h.status(d, hung).ewmaLatencyNanos();

      try (Call call = d.newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
        Attempt a = call.nextAttempt();
        h.ticker.advanceNanos(2 * MILLIS); // the caller gave up after 2 ms
        a.complete(Outcome.cancelled());
      }

      assertThat(h.status(d, hung).ewmaLatencyNanos()).as("2 ms cut off says nothing about a 20 ms endpoint")
          .isBetween(before - MILLIS, before);
    }
  }

  @Test
  void anEndpointWithOldOutstandingAttemptsIsNotPickedOverAHealthyOne() {
    List<Endpoint> two = EngineHarness.endpoints(2);
    try (EngineHarness h = new EngineHarness(3)) {
      h.service(policy().build(), two);
      Destination d = h.destination();
      warmUp(h, d, 20);

      // One attempt is stuck on whichever endpoint takes the next call.
      Call stuck = d.newCall(MeshRequest.EMPTY_IDEMPOTENT);
      Endpoint slow = stuck.nextAttempt().endpoint();
      Endpoint healthy = two.get(0).equals(slow) ? two.get(1) : two.get(0);
      h.ticker.advanceNanos(500 * MILLIS);

      // Calls keep coming and stay in flight on the healthy endpoint (its load grows by one
      // 20 ms estimate each); the stuck one has waited 500 ms, far beyond its 20 ms estimate.
      List<Call> open = new ArrayList<>();
      List<Endpoint> picked = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        Call c = d.newCall(MeshRequest.EMPTY_IDEMPOTENT);
        open.add(c);
        picked.add(c.nextAttempt().endpoint());
        h.ticker.advanceNanos(MILLIS);
      }

      assertThat(picked).as("picks while %s has a request 500 ms old", slow.address()).containsOnly(healthy);
      assertThat(h.status(d, healthy).inFlight()).isEqualTo(10);
      open.forEach(Call::close);
      stuck.close();
      assertThat(d.inFlight()).isZero();
    }
  }

  @Test
  void cancelledAttemptsNeverEjectAndNeverOpenTheBreaker() {
    for (GiveUp how : GiveUp.values()) {
      try (EngineHarness h = new EngineHarness(17)) {
        // Quick to eject (2 in a row) and to trip (50 % of 4 calls): cancellations must do neither.
        h.service(policy()
            .outlierDetection(new OutlierDetectionPolicy(true, 2, Duration.ofSeconds(30), Duration.ofMinutes(5), 100, 0))
            .circuitBreaker(new CircuitBreakerPolicy(true, 50, Duration.ofSeconds(10), 4, Duration.ofSeconds(1), 5))
            .build(), List.of(hung));
        Destination d = h.destination();

        for (int i = 0; i < 50; i++) {
          assertThat(call(h, d, hung, how)).isEqualTo(hung);
        }

        EndpointStatus status = h.status(d, hung);
        assertThat(status.failures()).as(how.toString()).isZero();
        assertThat(status.ejections()).as(how.toString()).isZero();
        assertThat(status.ejected()).as(how.toString()).isFalse();
        assertThat(h.events.ejections).as(how.toString()).isEmpty();
        assertThat(d.circuitState()).as(how.toString()).isEqualTo(CircuitState.CLOSED);
        assertThat(h.events.circuitTransitions).as(how.toString()).isEmpty();
        assertThat(status.ewmaLatencyNanos()).as("%s: still learned", how).isGreaterThanOrEqualTo(CALLER_GIVES_UP / 2);
        assertThat(d.inFlight()).isZero();
      }
    }
  }

  @Test
  void theSameEndpointTimingOutDoesEjectIt() {
    // The contrast that shows the test above can fail: the mesh's own timeout is a failure.
    try (EngineHarness h = new EngineHarness(17)) {
      h.service(policy()
          .outlierDetection(new OutlierDetectionPolicy(true, 2, Duration.ofSeconds(30), Duration.ofMinutes(5), 100, 0))
          .circuitBreaker(CircuitBreakerPolicy.DISABLED)
          .build(), List.of(hung));
      Destination d = h.destination();

      for (int i = 0; i < 2; i++) {
        h.drive(d, MeshRequest.EMPTY_IDEMPOTENT, e -> Outcome.timeout(), CALLER_GIVES_UP);
      }

      assertThat(h.status(d, hung).ejections()).isEqualTo(1);
    }
  }
}
