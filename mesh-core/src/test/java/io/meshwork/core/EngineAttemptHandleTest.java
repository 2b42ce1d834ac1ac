package io.meshwork.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.model.ClientPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each attempt has its own identity: completing an attempt the call has already moved past (a
 * late or duplicate completion, as a transport's callback racing a retry could deliver) must
 * neither complete the current attempt nor count anything twice.
 */
class EngineAttemptHandleTest {
  private final EngineHarness h = new EngineHarness(11);

  @AfterEach
  void close() {
    h.close();
  }

  private int totalInFlight(Destination d) {
    return d.endpoints().stream().mapToInt(EndpointStatus::inFlight).sum();
  }

  @Test
  void aLateCompletionOfTheFirstAttemptDoesNotCompleteTheRetry() {
    ClientPolicy policy = EngineHarness.noBreaker().build();
    h.service(policy, EngineHarness.endpoints(3));
    Destination d = h.destination();

    try (Call call = d.newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
      Attempt first = call.nextAttempt();
      assertThat(first.number()).isEqualTo(1);
      assertThat(first.complete(Outcome.http(503)).isRetry()).isTrue();

      Attempt second = call.nextAttempt();
      assertThat(second.number()).isEqualTo(2);
      assertThat(totalInFlight(d)).isEqualTo(1);

      // The stale handle of attempt 1 completes again: nothing happens to attempt 2.
      assertThat(first.complete(Outcome.http(503)).isDone()).isTrue();
      assertThat(totalInFlight(d)).isEqualTo(1);
      long failuresBefore = d.endpoints().stream().mapToLong(EndpointStatus::failures).sum();
      assertThat(failuresBefore).isEqualTo(1);

      // The real completion of attempt 2 is the one that counts.
      assertThat(second.complete(Outcome.http(200)).isDone()).isTrue();
      assertThat(totalInFlight(d)).isZero();
      assertThat(d.endpoints().stream().mapToLong(EndpointStatus::attempts).sum()).isEqualTo(2);
      assertThat(h.timerCount("mesh.client.requests", "status", "200")).isEqualTo(1);
    }
    assertThat(d.inFlight()).isZero();
  }

  @Test
  void completingTheSameAttemptTwiceRecordsItOnce() {
    h.service(EngineHarness.noBreaker().build(), EngineHarness.endpoints(2));
    Destination d = h.destination();
    try (Call call = d.newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
      Attempt a = call.nextAttempt();
      assertThat(a.complete(Outcome.http(200)).isDone()).isTrue();
      assertThat(a.complete(Outcome.http(500)).isDone()).isTrue();
    }
    assertThat(d.endpoints().stream().mapToLong(EndpointStatus::failures).sum()).isZero();
    assertThat(h.timerCount("mesh.client.requests", "status", "200")).isEqualTo(1);
    assertThat(h.timerCount("mesh.client.requests", "status", "500")).isZero();
    assertThat(d.inFlight()).isZero();
  }

  @Test
  void aTimedOutAttemptRaisesTheEndpointsLatencyEstimate() {
    h.service(EngineHarness.noBreaker().retries(io.meshwork.core.model.RetryPolicy.none()).build(), EngineHarness.endpoints(1));
    Destination d = h.destination();
    try (Call call = d.newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
      Attempt a = call.nextAttempt();
      h.ticker.advanceMillis(20);
      a.complete(Outcome.http(200));
    }
    long before = d.endpoints().get(0).ewmaLatencyNanos();
    try (Call call = d.newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
      Attempt a = call.nextAttempt();
      h.ticker.advanceMillis(1_000);
      a.complete(Outcome.timeout());
    }
    assertThat(before).isBetween(19_000_000L, 21_000_000L);
    assertThat(d.endpoints().get(0).ewmaLatencyNanos()).isGreaterThanOrEqualTo(999_000_000L);
  }

  @Test
  void aRetryHandleNamesTheEndpointItWasSentTo() {
    h.service(EngineHarness.noBreaker().build(), EngineHarness.endpoints(3));
    Destination d = h.destination();
    try (Call call = d.newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
      Attempt first = call.nextAttempt();
      first.complete(Outcome.connectFailure(new java.net.ConnectException("refused")));
      Attempt second = call.nextAttempt();
      assertThat(second.endpoint()).isNotEqualTo(first.endpoint()); // a retry prefers an untried endpoint
      second.complete(Outcome.http(200));
    }
  }
}
