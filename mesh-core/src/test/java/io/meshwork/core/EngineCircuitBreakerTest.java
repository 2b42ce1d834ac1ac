package io.meshwork.core;

import static io.meshwork.core.EngineHarness.MILLIS;
import static io.meshwork.core.EngineHarness.SERVICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshwork.core.model.CircuitBreakerPolicy;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.OutlierDetectionPolicy;
import io.meshwork.core.model.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The service-level breaker (the engine's lock-free Breaker) as the engine drives it, in fake time: every rule
 * with time in it (the sliding window, the open time) must move with the mesh's ticker, never
 * with the system clock, or these tests would depend on how fast the machine runs them.
 */
class EngineCircuitBreakerTest {
  private static final Duration OPEN_FOR = Duration.ofSeconds(10);
  private static final Duration WINDOW = Duration.ofSeconds(20);

  private static EngineHarness harness(long seed) {
    ClientPolicy policy = ClientPolicy.builder()
        .retries(RetryPolicy.none())
        .outlierDetection(new OutlierDetectionPolicy(false, 5, Duration.ofSeconds(30), Duration.ofMinutes(5), 50, 50))
        .circuitBreaker(new CircuitBreakerPolicy(true, 50, WINDOW, 20, OPEN_FOR, 3))
        .build();
    return new EngineHarness(seed).service(policy, EngineHarness.endpoints(4));
  }

  private static EngineHarness.CallResult call(EngineHarness h, Outcome outcome, long latencyNanos) {
    return h.drive(h.destination(), MeshRequest.EMPTY_IDEMPOTENT, e -> outcome, latencyNanos);
  }

  private static double gauge(EngineHarness h, String state) {
    return h.meters.find("mesh.client.circuit.state").tags("service", SERVICE, "state", state).gauge().value();
  }

  @Test
  void twentyFailingCallsOpenTheCircuitAndNewCallsAreRefusedNamingTheServiceAndTheRule() {
    try (EngineHarness h = harness(41)) {
      Destination d = h.destination();
      for (int i = 0; i < 19; i++) {
        call(h, Outcome.http(503), MILLIS);
        assertThat(d.circuitState()).as("after %d failures", i + 1).isEqualTo(CircuitState.CLOSED);
      }
      call(h, Outcome.http(503), MILLIS);
      assertThat(d.circuitState()).isEqualTo(CircuitState.OPEN);
      assertThat(h.events.circuitTransitions).containsExactly("CLOSED->OPEN");
      assertThat(gauge(h, "open")).isEqualTo(1);
      assertThat(gauge(h, "closed")).isEqualTo(0);

      assertThatThrownBy(() -> d.newCall(MeshRequest.EMPTY_IDEMPOTENT))
          .isInstanceOf(CircuitOpenException.class)
          .hasMessageStartingWith(SERVICE + ": circuit open");
      assertThat(d.inFlight()).isZero();
      assertThat(h.events.rejections).singleElement().isInstanceOf(CircuitOpenException.class);
      assertThat(h.timerCount("mesh.client.requests", "service", SERVICE, "outcome", "rejected", "status", "none", "error.type",
          "circuit-open")).isEqualTo(1);
    }
  }

  @Test
  void failedCallsThatTookNoTimeStillCountAsFailures() {
    try (EngineHarness h = harness(42)) {
      for (int i = 0; i < 20; i++) {
        call(h, Outcome.http(503), 0);
      }
      assertThat(h.destination().circuitState()).isEqualTo(CircuitState.OPEN);
    }
  }

  @Test
  void callsTheCallerCancelledDoNotCountAgainstTheService() {
    try (EngineHarness h = harness(48)) {
      for (int i = 0; i < 30; i++) call(h, Outcome.cancelled(), MILLIS);
      for (int i = 0; i < 30; i++) {
        try (Call c = h.destination().newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
          c.nextAttempt(); // closed without completing
        }
      }
      assertThat(h.destination().circuitState()).isEqualTo(CircuitState.CLOSED);
      for (int i = 0; i < 20; i++) call(h, Outcome.http(503), MILLIS);
      assertThat(h.destination().circuitState()).isEqualTo(CircuitState.OPEN);
    }
  }

  @Test
  void theOpenCircuitWaitsOpenForOnTheFakeTickerThenProbesCloseItOnSuccess() {
    try (EngineHarness h = harness(43)) {
      Destination d = h.destination();
      for (int i = 0; i < 20; i++) call(h, Outcome.http(503), MILLIS);
      assertThat(d.circuitState()).isEqualTo(CircuitState.OPEN);

      h.ticker.advance(OPEN_FOR.minusMillis(1));
      assertThat(call(h, Outcome.http(200), 0).failure()).isInstanceOf(CircuitOpenException.class);
      assertThat(d.circuitState()).isEqualTo(CircuitState.OPEN);

      h.ticker.advanceMillis(2);
      // Half open: exactly halfOpenCalls (3) probes are admitted at once.
      List<Call> probes = new ArrayList<>();
      for (int i = 0; i < 3; i++) probes.add(d.newCall(MeshRequest.EMPTY_IDEMPOTENT));
      assertThat(d.circuitState()).isEqualTo(CircuitState.HALF_OPEN);
      assertThatThrownBy(() -> d.newCall(MeshRequest.EMPTY_IDEMPOTENT)).isInstanceOf(CircuitOpenException.class);

      for (Call probe : probes) {
        try (probe) {
          Attempt a = probe.nextAttempt();
          h.ticker.advanceMillis(1);
          assertThat(a.complete(Outcome.http(200)).isDone()).isTrue();
        }
      }
      assertThat(d.circuitState()).isEqualTo(CircuitState.CLOSED);
      assertThat(h.events.circuitTransitions).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
      assertThat(call(h, Outcome.http(200), MILLIS).outcome()).isEqualTo(Outcome.http(200));
    }
  }

  @Test
  void eachFailedProbeRoundDoublesTheOpenTimeUpToMaxOpenForAndClosingStartsAgainFromOpenFor() {
    ClientPolicy policy = ClientPolicy.builder()
        .retries(RetryPolicy.none())
        .outlierDetection(new OutlierDetectionPolicy(false, 5, Duration.ofSeconds(30), Duration.ofMinutes(5), 50, 50))
        .circuitBreaker(new CircuitBreakerPolicy(true, 50, WINDOW, 20, Duration.ofSeconds(1), Duration.ofSeconds(5), 1))
        .build();
    try (EngineHarness h = new EngineHarness(49).service(policy, EngineHarness.endpoints(4))) {
      Destination d = h.destination();
      for (int i = 0; i < 20; i++) call(h, Outcome.http(503), MILLIS);
      assertThat(d.circuitState()).isEqualTo(CircuitState.OPEN);
      assertThat(call(h, Outcome.http(200), 0).failure()).hasMessageContaining(
          "refusing calls for 1s, doubling up to 5s while probes fail");

      // Open 1s, then 2s, 4s, and 5s (not 8s) after each failed probe.
      for (long seconds : new long[] {1, 2, 4, 5}) {
        h.ticker.advance(Duration.ofSeconds(seconds).minusMillis(1));
        assertThat(call(h, Outcome.http(503), 0).failure()).as("%ds open, 1ms short", seconds)
            .isInstanceOf(CircuitOpenException.class).hasMessageContaining("refusing calls for " + seconds + "s");
        h.ticker.advanceMillis(1);
        assertThat(call(h, Outcome.http(503), MILLIS).outcome()).as("the probe after %ds, sent", seconds)
            .isEqualTo(Outcome.http(503));
        assertThat(d.circuitState()).isEqualTo(CircuitState.OPEN);
      }
      h.ticker.advance(Duration.ofSeconds(5).minusMillis(1));
      assertThat(call(h, Outcome.http(200), 0).failure()).as("still capped at 5s")
          .hasMessageContaining("refusing calls for 5s");
      h.ticker.advanceMillis(1);
      assertThat(call(h, Outcome.http(200), MILLIS).outcome()).isEqualTo(Outcome.http(200));
      assertThat(d.circuitState()).isEqualTo(CircuitState.CLOSED);

      // Closed again: the next trip opens for openFor.
      h.ticker.advance(WINDOW);
      for (int i = 0; i < 20; i++) call(h, Outcome.http(503), MILLIS);
      assertThat(d.circuitState()).isEqualTo(CircuitState.OPEN);
      h.ticker.advance(Duration.ofSeconds(1));
      assertThat(call(h, Outcome.http(200), MILLIS).outcome()).isEqualTo(Outcome.http(200));
      assertThat(d.circuitState()).isEqualTo(CircuitState.CLOSED);
    }
  }

  @Test
  void aFailedProbeOpensTheCircuitAgain() {
    try (EngineHarness h = harness(44)) {
      Destination d = h.destination();
      for (int i = 0; i < 20; i++) call(h, Outcome.http(503), MILLIS);
      h.ticker.advance(OPEN_FOR.plusMillis(1));
      call(h, Outcome.http(503), MILLIS);
      call(h, Outcome.http(503), MILLIS);
      call(h, Outcome.http(200), MILLIS);
      assertThat(d.circuitState()).isEqualTo(CircuitState.OPEN);
      assertThat(h.events.circuitTransitions).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->OPEN");
    }
  }

  @Test
  void probesThatAreCancelledGiveTheirPermissionBack() {
    try (EngineHarness h = harness(45)) {
      Destination d = h.destination();
      for (int i = 0; i < 20; i++) call(h, Outcome.http(503), MILLIS);
      h.ticker.advance(OPEN_FOR.plusMillis(1));
      for (int round = 0; round < 5; round++) {
        List<Call> probes = new ArrayList<>();
        for (int i = 0; i < 3; i++) probes.add(d.newCall(MeshRequest.EMPTY_IDEMPOTENT));
        assertThatThrownBy(() -> d.newCall(MeshRequest.EMPTY_IDEMPOTENT)).isInstanceOf(CircuitOpenException.class);
        probes.get(0).nextAttempt(); // one in flight, two never started: all cancelled
        probes.forEach(Call::close);
      }
      assertThat(d.circuitState()).isEqualTo(CircuitState.HALF_OPEN);
      for (int i = 0; i < 3; i++) call(h, Outcome.http(200), MILLIS);
      assertThat(d.circuitState()).isEqualTo(CircuitState.CLOSED);
    }
  }

  /**
   * Failures older than the window must drop out in fake time. With a window read from the
   * system clock, the 20 failures below (made within microseconds of real time) would all
   * still count and open the circuit.
   */
  @Test
  void failuresOlderThanTheWindowOnTheFakeTickerNoLongerCount() {
    try (EngineHarness h = harness(46)) {
      for (int i = 0; i < 10; i++) call(h, Outcome.http(503), MILLIS);
      h.ticker.advance(WINDOW.plusSeconds(5));
      for (int i = 0; i < 10; i++) call(h, Outcome.http(503), MILLIS);
      assertThat(h.destination().circuitState()).isEqualTo(CircuitState.CLOSED);
      for (int i = 0; i < 10; i++) call(h, Outcome.http(503), MILLIS);
      assertThat(h.destination().circuitState()).isEqualTo(CircuitState.OPEN);
    }
  }

  @Test
  void aOneSecondWindowKeepsWorkingAsFakeTimeMovesOn() {
    ClientPolicy policy = ClientPolicy.builder()
        .retries(RetryPolicy.none())
        .circuitBreaker(new CircuitBreakerPolicy(true, 50, Duration.ofSeconds(1), 20, OPEN_FOR, 3))
        .build();
    try (EngineHarness h = new EngineHarness(47).service(policy, EngineHarness.endpoints(4))) {
      for (int i = 0; i < 100; i++) {
        h.ticker.advanceMillis(500);
        assertThat(call(h, Outcome.http(200), MILLIS).outcome()).isEqualTo(Outcome.http(200));
      }
      assertThat(h.destination().circuitState()).isEqualTo(CircuitState.CLOSED);
    }
  }
}
