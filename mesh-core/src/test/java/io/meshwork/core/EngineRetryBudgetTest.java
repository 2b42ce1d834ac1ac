package io.meshwork.core;

import static io.meshwork.core.EngineHarness.SERVICE;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.OutlierDetectionPolicy;
import io.meshwork.core.model.RetryBudgetPolicy;
import io.meshwork.core.model.RetryPolicy;
import io.meshwork.core.model.RetryThrottlePolicy;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The retry budget under total failure: 1000 calls a second for 10 s simulated, every attempt
 * failing with a retryable outcome, three attempts allowed per call. The breaker and outlier
 * detection are off so that every call is admitted and only the budget limits retries. Finagle's
 * window is tested alone (throttle off), then with the throttle, the default.
 *
 * <p>Latencies and backoffs are kept to fractions of a millisecond so that the whole run,
 * tail included, fits in one budget window (10 one-second slices): the bound then holds for
 * the total, not just per window.
 */
class EngineRetryBudgetTest {
  private static final long REQUESTS = 10_000; // 10 s at 1000/s
  private static final Duration MICROS_100 = Duration.ofNanos(100_000);
  /** Finagle's budget alone, at its defaults. */
  private static final RetryBudgetPolicy FINAGLE = RetryBudgetPolicy.DEFAULT.withThrottle(RetryThrottlePolicy.DISABLED);

  private static ClientPolicy policy(RetryBudgetPolicy budget) {
    return EngineHarness.noBreaker()
        .outlierDetection(new OutlierDetectionPolicy(false, 5, Duration.ofSeconds(30), Duration.ofMinutes(5), 50, 50))
        .retries(RetryPolicy.DEFAULT.withMaxAttempts(3).withBackoff(MICROS_100, MICROS_100.multipliedBy(2)))
        .retryBudget(budget)
        .build();
  }

  private static EngineHarness.Simulation run(EngineHarness h, RetryBudgetPolicy budget, Function<Endpoint, Outcome> server) {
    h.service(policy(budget), EngineHarness.endpoints(10));
    EngineHarness.Simulation sim = h.new Simulation(h.destination());
    sim.server = server;
    sim.latencyNanos = e -> 100_000;
    sim.arrivals(1000, REQUESTS).run();
    assertThat(sim.calls).isEqualTo(REQUESTS);
    assertThat(h.destination().inFlight()).isZero();
    System.out.printf("budget %s: %d retries for %d requests (%.1f%%), budget exhausted %d times%n", budget,
        sim.retries, sim.calls, 100.0 * sim.retries / sim.calls, h.events.budgetExhausted.sum());
    return sim;
  }

  @Test
  void underTotalFailureRetriesStayWithinTwentyPercentOfRequestsPlusTenPerSecond() {
    try (EngineHarness h = new EngineHarness(7)) {
      EngineHarness.Simulation sim = run(h, FINAGLE, e -> Outcome.http(503));

      assertThat(sim.retries).isLessThanOrEqualTo((long) (0.2 * REQUESTS) + 10 * 10);
      assertThat(sim.retries).as("the budget is used, not just refused").isGreaterThan((long) (0.2 * REQUESTS));
      assertThat(sim.attempts).isEqualTo(sim.calls + sim.retries);
      assertThat(h.counter("mesh.client.retry.budget.exhausted", "service", SERVICE, "reason", "budget")).isPositive();
      assertThat(h.counter("mesh.client.retries", "service", SERVICE, "error.type", "503")).isEqualTo(sim.retries);
      // A 503 the budget cannot retry is handed to the application as it is.
      assertThat(sim.done).isEqualTo(REQUESTS);
      assertThat(h.timerCount("mesh.client.requests", "service", SERVICE, "status", "503")).isEqualTo(REQUESTS);
    }
  }

  @Test
  void theDestinationShowsItsBudgetPolicyBalanceAndRefusals() {
    try (EngineHarness h = new EngineHarness(7)) {
      h.service(policy(FINAGLE), EngineHarness.endpoints(10));
      RetryBudgetStatus fresh = h.destination().retryBudget();
      assertThat(fresh).isEqualTo(new RetryBudgetStatus(100.0, 0.2, 10, Duration.ofSeconds(10), false, 0, 0, Double.NaN));

      EngineHarness.Simulation sim = h.new Simulation(h.destination());
      sim.server = e -> Outcome.http(503);
      sim.latencyNanos = e -> 100_000;
      sim.arrivals(1000, REQUESTS).run();

      RetryBudgetStatus spent = h.destination().retryBudget();
      assertThat(spent.refusedByBudget()).isPositive()
          .isEqualTo((long) h.counter("mesh.client.retry.budget.exhausted", "service", SERVICE, "reason", "budget"));
      assertThat(spent.refusedByThrottle()).isZero();
      assertThat(spent.refused()).isEqualTo(spent.refusedByBudget());
      assertThat(spent.available()).as("spent under total failure").isLessThan(1.0);

      h.ticker.advance(Duration.ofSeconds(11));
      RetryBudgetStatus later = h.destination().retryBudget();
      assertThat(later.available()).as("the window has moved past every call and retry").isEqualTo(100.0);
      assertThat(later.refusedByBudget()).as("refusals are a running count").isEqualTo(spent.refusedByBudget());
    }
  }

  @Test
  void theThrottleShowsAsThrottledAndCountsItsOwnRefusals() {
    try (EngineHarness h = new EngineHarness(7)) {
      h.service(policy(RetryBudgetPolicy.DEFAULT), EngineHarness.endpoints(10));
      EngineHarness.Simulation sim = h.new Simulation(h.destination());
      sim.server = e -> Outcome.http(503);
      sim.latencyNanos = e -> 100_000;
      sim.arrivals(1000, REQUESTS).run();

      RetryBudgetStatus s = h.destination().retryBudget();
      assertThat(s.throttled()).isTrue();
      assertThat(s.refusedByThrottle()).isPositive()
          .isEqualTo((long) h.counter("mesh.client.retry.budget.exhausted", "service", SERVICE, "reason", "throttle"));
    }
  }

  @Test
  void aBudgetThatNeverBindsLetsEveryCallRetryTwice() {
    try (EngineHarness h = new EngineHarness(7)) {
      EngineHarness.Simulation sim = run(h,
          new RetryBudgetPolicy(1000, 10, Duration.ofSeconds(10), RetryThrottlePolicy.DISABLED), e -> Outcome.http(503));

      assertThat(sim.retries).isEqualTo(2 * REQUESTS);
      assertThat(sim.attempts).isEqualTo(3 * REQUESTS);
      assertThat(h.counter("mesh.client.retry.budget.exhausted", "service", SERVICE, "reason", "budget")).isZero();
      assertThat(h.counter("mesh.client.retry.budget.exhausted", "service", SERVICE, "reason", "throttle")).isZero();
    }
  }

  @Test
  void aConnectFailureTheBudgetCannotRetryFailsTheCallNamingTheBudgetAndTheLastFailure() {
    try (EngineHarness h = new EngineHarness(7)) {
      EngineHarness.Simulation sim = run(h, FINAGLE,
          e -> Outcome.connectFailure(new ConnectException("Connection refused")));

      assertThat(sim.retries).isLessThanOrEqualTo((long) (0.2 * REQUESTS) + 10 * 10);
      long exhausted = sim.failures.getOrDefault(RetryBudgetExhaustedException.class, 0L);
      assertThat(exhausted).isPositive()
          .isEqualTo((long) h.counter("mesh.client.retry.budget.exhausted", "service", SERVICE, "reason", "budget"));
      RetryBudgetExhaustedException e = (RetryBudgetExhaustedException) sim.failureSamples.stream()
          .filter(f -> f instanceof RetryBudgetExhaustedException).findFirst().orElseThrow();
      assertThat(e.getMessage())
          .startsWith(SERVICE + ": ")
          .contains("retry budget exhausted (20% + 10/s over 10s); last failure: connect-failure")
          .containsPattern("10\\.0\\.0\\.\\d+:8080");
      assertThat(e.requestSent()).isFalse();
      assertThat(e.getCause()).isInstanceOf(ConnectException.class);
    }
  }

  @Test
  void theDecisionWhenTheBudgetIsEmptyIsFailWithTheAttemptsEndpointInTheMessage() {
    try (EngineHarness h = new EngineHarness(3)) {
      // No reserve and no ratio: the very first retry is refused.
      h.service(policy(new RetryBudgetPolicy(0, 0, Duration.ofSeconds(10))), EngineHarness.endpoints(3));
      try (Call call = h.destination().newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
        Attempt a = call.nextAttempt();
        Decision d = a.complete(Outcome.connectFailure(new ConnectException("Connection refused")));

        assertThat(d.isFail()).isTrue();
        assertThat(d.failure()).isInstanceOf(RetryBudgetExhaustedException.class)
            .hasMessage(SERVICE + ": retry budget exhausted (0% + 0/s over 10s); last failure: connect-failure: "
                + "Connection refused " + a.endpoint().address());
        assertThat(h.events.budgetExhausted.sum()).isEqualTo(1);
        assertThat(h.destination().inFlight()).isZero();
      }
    }
  }

  @Test
  void aNonIdempotentRequestIsNotRetriedAfterA503ButIsAfterAConnectFailure() {
    try (EngineHarness h = new EngineHarness(3)) {
      h.service(policy(RetryBudgetPolicy.DEFAULT), List.of(Endpoint.of("10.0.0.1:8080"), Endpoint.of("10.0.0.2:8080")));
      MeshRequest post = MeshRequest.of(java.util.Map.of(), false);
      EngineHarness.CallResult served = h.drive(h.destination(), post, e -> Outcome.http(503), 1000);
      assertThat(served.tried()).hasSize(1);
      assertThat(served.outcome()).isEqualTo(Outcome.http(503));

      EngineHarness.CallResult refused = h.drive(h.destination(), post,
          e -> Outcome.connectFailure(new ConnectException("refused")), 1000);
      assertThat(refused.tried()).hasSize(3);
      assertThat(refused.failure()).isNull();
    }
  }

  @Test
  void withTheThrottleTotalFailureGetsAlmostNoRetriesAndTheyComeBackAfterRecovery() {
    try (EngineHarness h = new EngineHarness(7)) {
      long start = h.ticker.nanoTime();
      long outageEnds = start + Duration.ofSeconds(10).toNanos();
      // Total failure for the first 10 s, then one endpoint of ten keeps failing: retries
      // rescue its calls, so they must be allowed again.
      h.service(policy(RetryBudgetPolicy.DEFAULT), EngineHarness.endpoints(10));
      EngineHarness.Simulation sim = h.new Simulation(h.destination());
      sim.latencyNanos = e -> 100_000;
      sim.server = e -> h.ticker.nanoTime() < outageEnds || e.address().host().equals("10.0.0.1")
          ? Outcome.http(503) : Outcome.http(200);
      sim.arrivals(1000, REQUESTS).run();
      long outageRetries = sim.retries;
      double throttled = h.counter("mesh.client.retry.budget.exhausted", "service", SERVICE, "reason", "throttle");
      System.out.printf("throttle, outage: %d retries for %d requests (%.2fx), %.0f refused by the throttle%n",
          outageRetries, sim.calls, (double) sim.attempts / sim.calls, throttled);

      // 5 calls failing despite their retries bring the bucket to half: at most 10 retries.
      assertThat(outageRetries).isLessThanOrEqualTo(10);
      assertThat(sim.attempts).isLessThanOrEqualTo(REQUESTS + 10);
      assertThat(throttled).isGreaterThan(REQUESTS - 10);
      assertThat(h.counter("mesh.client.retry.budget.exhausted", "service", SERVICE, "reason", "budget")).isZero();

      // Recovered but for one endpoint: the first successes open the throttle again and retries
      // rescue the calls that hit the failing endpoint.
      EngineHarness.Simulation after = h.new Simulation(h.destination());
      after.latencyNanos = sim.latencyNanos;
      after.server = sim.server;
      after.arrivals(1000, REQUESTS).run();
      long rescuedFailures = after.failures.values().stream().mapToLong(Long::longValue).sum();
      System.out.printf("throttle, after: %d retries for %d requests, %d calls failed%n",
          after.retries, after.calls, rescuedFailures);
      assertThat(after.retries).as("retries allowed again").isGreaterThan(REQUESTS / 20);
      assertThat(after.failures.getOrDefault(RetryBudgetExhaustedException.class, 0L))
          .as("refused while the bucket refilled: a few calls").isLessThanOrEqualTo(10);
      assertThat(rescuedFailures).as("calls that failed despite a retry").isLessThanOrEqualTo(REQUESTS / 100);
      assertThat(h.destination().inFlight()).isZero();
    }
  }

  @Test
  void aRetryTheThrottleRefusesFailsTheCallSayingWhy() {
    try (EngineHarness h = new EngineHarness(3)) {
      h.service(policy(new RetryBudgetPolicy(1000, 1000, Duration.ofSeconds(10), new RetryThrottlePolicy(true, 2, 0.5))),
          EngineHarness.endpoints(3));
      // Bucket of 2: one call that fails despite its retries leaves 1, which is not above half.
      EngineHarness.CallResult first = h.drive(h.destination(), MeshRequest.EMPTY_IDEMPOTENT,
          e -> Outcome.connectFailure(new ConnectException("Connection refused")), 1000);
      assertThat(first.tried()).hasSize(3);
      try (Call call = h.destination().newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
        Attempt a = call.nextAttempt();
        Decision d = a.complete(Outcome.connectFailure(new ConnectException("Connection refused")));

        assertThat(d.isFail()).isTrue();
        assertThat(d.failure()).isInstanceOf(RetryBudgetExhaustedException.class)
            .hasMessage(SERVICE + ": retries suspended: recent calls kept failing despite retries (retry throttle: "
                + "2 tokens, -1 per failed call, +0.5 per success, retries only above half); last failure: "
                + "connect-failure: Connection refused " + a.endpoint().address());
      }
      assertThat(h.counter("mesh.client.retry.budget.exhausted", "service", SERVICE, "reason", "throttle")).isEqualTo(1);
      // A refused call did not count: one success lifts the bucket above half, and retries are
      // allowed again.
      h.drive(h.destination(), MeshRequest.EMPTY_IDEMPOTENT, e -> Outcome.http(200), 1000);
      EngineHarness.CallResult retried = h.drive(h.destination(), MeshRequest.EMPTY_IDEMPOTENT,
          e -> Outcome.connectFailure(new ConnectException("Connection refused")), 1000);
      assertThat(retried.tried()).hasSize(3);
    }
  }
}
