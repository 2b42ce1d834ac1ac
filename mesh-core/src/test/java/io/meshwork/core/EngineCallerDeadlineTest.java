package io.meshwork.core;

import static io.meshwork.core.EngineHarness.MILLIS;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.model.CircuitBreakerPolicy;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.OutlierDetectionPolicy;
import io.meshwork.core.model.RetryPolicy;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A timeout that the caller's own short deadline caused is not the endpoint's failure: it must
 * not eject a healthy endpoint or open the breaker, while the endpoint's own timeouts still do.
 */
class EngineCallerDeadlineTest {
  private final List<Endpoint> one = EngineHarness.endpoints(1);
  private final Endpoint endpoint = one.get(0);

  /** Quick to eject (2 in a row) and to trip (50 % of 4 calls). */
  private static ClientPolicy.Builder strict() {
    return ClientPolicy.builder()
        .outlierDetection(new OutlierDetectionPolicy(true, 2, Duration.ofSeconds(30), Duration.ofMinutes(5), 100, 0))
        .circuitBreaker(new CircuitBreakerPolicy(true, 50, Duration.ofSeconds(10), 4, Duration.ofSeconds(1), 5));
  }

  /** {@code n} calls under a caller deadline of {@code deadlineMillis}, each ending as {@code outcome} when it passes. */
  private static void callsTimingOutAtTheCallersDeadline(EngineHarness h, Destination d, int n, long deadlineMillis,
      Outcome outcome) {
    for (int i = 0; i < n; i++) {
      try (Scope s = MeshContext.withDeadline(Context.current(), Deadline.after(Duration.ofMillis(deadlineMillis), h.ticker))
          .makeCurrent()) {
        h.drive(d, MeshRequest.EMPTY_IDEMPOTENT, e -> outcome, deadlineMillis * MILLIS);
      }
    }
  }

  @Test
  void timeoutsAtACallersThreeMillisecondDeadlineNeitherEjectNorTrip() {
    for (Outcome timedOut : new Outcome[] {Outcome.timeout(), Outcome.grpc(Outcome.GRPC_DEADLINE_EXCEEDED)}) {
      try (EngineHarness h = new EngineHarness(7)) {
        h.service(strict().build(), one); // the default 10 s timeout
        Destination d = h.destination();

        callsTimingOutAtTheCallersDeadline(h, d, 20, 3, timedOut);

        EndpointStatus status = h.status(d, endpoint);
        assertThat(status.ejected()).as("%s", timedOut).isFalse();
        assertThat(status.ejections()).as("%s", timedOut).isZero();
        assertThat(status.failures()).as("%s", timedOut).isZero();
        assertThat(d.circuitState()).as("%s", timedOut).isEqualTo(CircuitState.CLOSED);
        assertThat(status.ewmaLatencyNanos()).as("%s: still a lower bound for peak-EWMA", timedOut)
            .isGreaterThanOrEqualTo(3 * MILLIS);
        assertThat(h.timerCount("mesh.client.requests", "status", "none", "error.type", "deadline-exceeded"))
            .as("%s: the caller still sees its deadline exceeded", timedOut).isEqualTo(20);
      }
    }
  }

  @Test
  void theEndpointsOwnTimeoutsStillEjectAndTrip() {
    try (EngineHarness h = new EngineHarness(7)) {
      // The same 3 ms, but as the policy's per-try timeout: the endpoint had its full share.
      RetryPolicy retries = new RetryPolicy(1, Set.of(), Set.of(), Duration.ofMillis(25), Duration.ofMillis(250),
          Duration.ofMillis(3));
      h.service(strict().retries(retries).build(), one);
      Destination d = h.destination();

      for (int i = 0; i < 4; i++) {
        h.drive(d, MeshRequest.EMPTY_IDEMPOTENT, e -> Outcome.timeout(), 3 * MILLIS);
      }

      assertThat(h.status(d, endpoint).ejections()).isEqualTo(1);
      assertThat(d.circuitState()).isEqualTo(CircuitState.OPEN);
    }
  }

  @Test
  void aCallerDeadlineThatLeavesTheAttemptMostOfThePolicysTimeCountsAsTheEndpointsFailure() {
    try (EngineHarness h = new EngineHarness(7)) {
      h.service(strict().timeout(Duration.ofSeconds(1)).build(), one);
      Destination d = h.destination();

      callsTimingOutAtTheCallersDeadline(h, d, 2, 900, Outcome.timeout()); // 90 % of the policy's 1 s

      assertThat(h.status(d, endpoint).ejections()).isEqualTo(1);
    }
  }
}
