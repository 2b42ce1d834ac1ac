package io.meshwork.core;

import static io.meshwork.core.EngineHarness.MILLIS;
import static io.meshwork.core.EngineHarness.SERVICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.RetryBudgetPolicy;
import io.meshwork.core.model.RetryPolicy;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.net.ConnectException;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Deadlines: inherited from the context, combined with the policy timeout, and respected by retries. */
class EngineDeadlineTest {

  @Test
  void aCallWhoseInheritedDeadlineHasPassedIsRefusedBeforeAnyAttempt() {
    try (EngineHarness h = new EngineHarness(31).service(ClientPolicy.DEFAULT, EngineHarness.endpoints(3))) {
      Destination d = h.destination();
      try (Scope s = MeshContext.withDeadline(Context.current(), Deadline.afterNanos(-1, h.ticker)).makeCurrent()) {
        assertThatThrownBy(() -> d.newCall(MeshRequest.EMPTY_IDEMPOTENT))
            .isInstanceOf(DeadlineExceededException.class)
            .hasMessageStartingWith(SERVICE + ": deadline exceeded before the call started")
            .satisfies(e -> assertThat(((MeshException) e).requestSent()).isFalse());
      }
      assertThat(h.events.rejections).singleElement().isInstanceOf(DeadlineExceededException.class);
      assertThat(h.events.attemptsStarted()).isZero();
      assertThat(d.endpoints()).allMatch(e -> e.attempts() == 0);
      assertThat(d.inFlight()).isZero();
      assertThat(h.timerCount("mesh.client.requests", "service", SERVICE, "status", "none", "error.type", "deadline-exceeded")).isEqualTo(1);

      // Outside the scope the same destination works again.
      assertThat(h.drive(d, MeshRequest.EMPTY_IDEMPOTENT, e -> Outcome.http(200), MILLIS).outcome())
          .isEqualTo(Outcome.http(200));
    }
  }

  /** A request's own deadline: applied like an inherited one, and named as the call's when it has passed. */
  @Test
  void aPassedDeadlineOfTheRequestItselfIsNamedAsTheCallsNotAsInherited() {
    ClientPolicy policy = ClientPolicy.builder().timeout(Duration.ofSeconds(2)).build();
    try (EngineHarness h = new EngineHarness(37).service(policy, EngineHarness.endpoints(3))) {
      Destination d = h.destination();
      Deadline passed = Deadline.afterNanos(-3 * MILLIS, h.ticker);
      assertThatThrownBy(() -> d.newCall(withDeadline(passed)))
          .isInstanceOf(DeadlineExceededException.class)
          .hasMessage(SERVICE + ": deadline exceeded before the call started (the call's deadline passed 3ms ago)");
      // The same deadline inherited through the context is said to be inherited.
      try (Scope s = MeshContext.withDeadline(Context.current(), passed).makeCurrent()) {
        assertThatThrownBy(() -> d.newCall(MeshRequest.EMPTY_IDEMPOTENT))
            .hasMessage(SERVICE + ": deadline exceeded before the call started (inherited deadline passed 3ms ago)");
        // Both passed: the one that passed first is named.
        assertThatThrownBy(() -> d.newCall(withDeadline(Deadline.afterNanos(-5 * MILLIS, h.ticker))))
            .hasMessageContaining("(the call's deadline passed 5ms ago)");
      }
      assertThat(h.timerCount("mesh.client.requests", "service", SERVICE, "status", "none", "error.type", "deadline-exceeded")).isEqualTo(3);

      // A live one is the call's deadline when it is the soonest.
      Deadline own = Deadline.after(Duration.ofMillis(300), h.ticker);
      try (Scope s = MeshContext.withDeadline(Context.current(), Deadline.after(Duration.ofSeconds(1), h.ticker)).makeCurrent();
          Call call = d.newCall(withDeadline(own))) {
        assertThat(call.deadline()).isEqualTo(own);
      }
      try (Call call = d.newCall(withDeadline(Deadline.after(Duration.ofSeconds(5), h.ticker)))) {
        assertThat(call.deadline()).isEqualTo(Deadline.after(Duration.ofSeconds(2), h.ticker));
      }
    }
  }

  private static MeshRequest withDeadline(Deadline deadline) {
    return new MeshRequest() {
      @Override
      public String header(String lowerCaseName) {
        return null;
      }

      @Override
      public boolean idempotent() {
        return true;
      }

      @Override
      public Deadline deadline() {
        return deadline;
      }
    };
  }

  @Test
  void theTimeoutCountsFromWhenTheCallWasMadeNotFromWhenTheMeshSawIt() {
    ClientPolicy policy = ClientPolicy.builder().timeout(Duration.ofSeconds(1)).build();
    try (EngineHarness h = new EngineHarness(36).service(policy, EngineHarness.endpoints(3))) {
      Destination d = h.destination();
      long made = h.ticker.nanoTime();
      h.ticker.advanceMillis(300); // queued in the client's dispatcher

      try (Call call = d.newCall(MeshRequest.EMPTY_IDEMPOTENT, made)) {
        assertThat(call.deadline().remainingNanos(h.ticker)).isEqualTo(700 * MILLIS);
        Attempt a = call.nextAttempt();
        assertThat(a.timeoutNanos()).isEqualTo(700 * MILLIS);
        h.ticker.advanceMillis(10);
        a.complete(Outcome.http(200));
      }
      assertThat(h.meters.find("mesh.client.requests").tags("status", "200").timer().totalTime(
          java.util.concurrent.TimeUnit.MILLISECONDS)).as("duration as the caller saw it").isEqualTo(310);

      h.ticker.advanceMillis(1_000);
      long longAgo = h.ticker.nanoTime() - 1_200 * MILLIS;
      assertThatThrownBy(() -> d.newCall(MeshRequest.EMPTY_IDEMPOTENT, longAgo))
          .isInstanceOf(DeadlineExceededException.class)
          .hasMessageStartingWith(SERVICE + ": deadline exceeded before the call reached the mesh (it waited 1200ms in the client, policy timeout 1s)");
      assertThat(d.inFlight()).isZero();
      assertThat(h.events.attemptsStarted()).isEqualTo(1);
    }
  }

  @Test
  void anInheritedDeadlineShorterThanThePolicyTimeoutWins() {
    ClientPolicy policy = ClientPolicy.builder().timeout(Duration.ofSeconds(2)).build();
    try (EngineHarness h = new EngineHarness(32).service(policy, EngineHarness.endpoints(3))) {
      Destination d = h.destination();
      Deadline inherited = Deadline.after(Duration.ofMillis(300), h.ticker);
      try (Scope s = MeshContext.withDeadline(Context.current(), inherited).makeCurrent();
          Call call = d.newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
        assertThat(call.deadline()).isEqualTo(inherited);
        h.ticker.advanceMillis(100);
        Attempt a = call.nextAttempt();
        assertThat(a.timeoutNanos()).isEqualTo(200 * MILLIS).isLessThanOrEqualTo(a.deadline().remainingNanos(h.ticker));
      }
      // A longer inherited deadline does not extend the policy's.
      try (Scope s = MeshContext.withDeadline(Context.current(), Deadline.after(Duration.ofSeconds(5), h.ticker))
          .makeCurrent(); Call call = d.newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
        assertThat(call.deadline()).isEqualTo(Deadline.after(Duration.ofSeconds(2), h.ticker));
      }
    }
  }

  @Test
  void thePerTryTimeoutIsCappedByWhatRemainsOfTheDeadline() {
    ClientPolicy policy = ClientPolicy.builder().timeout(Duration.ofMillis(500))
        .retries(RetryPolicy.DEFAULT.withPerTryTimeout(Duration.ofMillis(200))).build();
    try (EngineHarness h = new EngineHarness(33).service(policy, EngineHarness.endpoints(3));
        Call call = h.destination().newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
      Attempt first = call.nextAttempt();
      assertThat(first.timeoutNanos()).isEqualTo(200 * MILLIS);
      h.ticker.advanceMillis(400);
      Decision d = first.complete(Outcome.connectFailure(new ConnectException("refused")));
      assertThat(d.isRetry()).isTrue();
      h.ticker.advanceNanos(d.backoffNanos());
      long remaining = call.deadline().remainingNanos(h.ticker);
      Attempt second = call.nextAttempt();
      assertThat(second.timeoutNanos()).isEqualTo(remaining).isLessThan(200 * MILLIS);
    }
  }

  @Test
  void aCallPastItsDeadlineGetsNoFurtherAttempt() {
    ClientPolicy policy = ClientPolicy.builder().timeout(Duration.ofMillis(100)).build();
    try (EngineHarness h = new EngineHarness(34).service(policy, EngineHarness.endpoints(3))) {
      Destination d = h.destination();
      try (Call call = d.newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
        h.ticker.advanceMillis(100);
        assertThatThrownBy(call::nextAttempt).isInstanceOf(DeadlineExceededException.class)
            .hasMessage(SERVICE + ": deadline exceeded before the first attempt");
        assertThat(d.inFlight()).isZero();
      }
      assertThat(h.events.attemptsStarted()).isZero();
    }
  }

  /**
   * Property over many seeds: with a short deadline and backoffs of up to a second, no RETRY
   * decision has a backoff ending at or after the deadline, and every attempt's timeout fits in
   * what remains. Failures are a mix of connect failures and 503s with random latencies.
   */
  @Test
  void backoffNeverSleepsPastTheDeadline() {
    long retries = 0;
    long stoppedByDeadline = 0;
    for (long seed = 0; seed < 300; seed++) {
      SplittableRandom world = new SplittableRandom(seed);
      long timeout = (50 + world.nextInt(450)) * MILLIS;
      ClientPolicy policy = EngineHarness.noBreaker()
          .timeout(Duration.ofNanos(timeout))
          .retries(RetryPolicy.DEFAULT.withMaxAttempts(10).withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(2)))
          .retryBudget(new RetryBudgetPolicy(1000, 1000, Duration.ofSeconds(10)))
          .build();
      try (EngineHarness h = new EngineHarness(seed).service(policy, EngineHarness.endpoints(5));
          Call call = h.destination().newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
        Deadline deadline = call.deadline();
        while (true) {
          Attempt a;
          try {
            a = call.nextAttempt();
          } catch (DeadlineExceededException e) {
            stoppedByDeadline++;
            break;
          }
          assertThat(a.timeoutNanos()).isLessThanOrEqualTo(deadline.remainingNanos(h.ticker)).isPositive();
          h.ticker.advanceNanos(world.nextLong(a.timeoutNanos() / 2 + 1));
          Outcome o = world.nextBoolean() ? Outcome.http(503) : Outcome.connectFailure(new ConnectException("refused"));
          Decision d = a.complete(o);
          if (d.isRetry()) {
            retries++;
            assertThat(h.ticker.nanoTime() + d.backoffNanos())
                .as("seed %d: retry after %d ns must end before the deadline", seed, d.backoffNanos())
                .isLessThan(deadline.nanoTime());
            h.ticker.advanceNanos(d.backoffNanos());
            continue;
          }
          if (d.isFail()) {
            assertThat(d.failure()).isInstanceOf(DeadlineExceededException.class);
            assertThat(o.kind()).isEqualTo(Outcome.Kind.CONNECT_FAILURE);
            stoppedByDeadline++;
          } else {
            assertThat(o).isEqualTo(Outcome.http(503)); // handed to the application as it is
          }
          break;
        }
        assertThat(h.destination().inFlight()).isZero();
      }
    }
    // The property is not vacuous: both sides of the rule were exercised.
    assertThat(retries).isGreaterThan(20);
    assertThat(stoppedByDeadline).isGreaterThan(20);
  }

  @Test
  void aRetryableFailureWithNoTimeLeftToBackOffEndsTheCallWithDeadlineExceeded() {
    ClientPolicy policy = ClientPolicy.builder().timeout(Duration.ofMillis(10))
        .retries(RetryPolicy.DEFAULT.withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1))).build();
    try (EngineHarness h = new EngineHarness(35).service(policy, EngineHarness.endpoints(2));
        Call call = h.destination().newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
      Attempt a = call.nextAttempt();
      h.ticker.advanceMillis(10);
      Endpoint tried = a.endpoint();
      Decision d = a.complete(Outcome.connectFailure(new ConnectException("refused")));
      assertThat(d.isFail()).isTrue();
      assertThat(d.failure()).isInstanceOf(DeadlineExceededException.class)
          .hasMessageContaining("deadline exceeded after 1 attempt; last failure: connect-failure: refused "
              + tried.address());
      assertThat(h.destination().inFlight()).isZero();
    }
  }

  @Test
  void aFailedResponseArrivingAfterTheDeadlineEndsTheCallWithDeadlineExceeded() {
    ClientPolicy policy = ClientPolicy.builder().timeout(Duration.ofMillis(100)).build();
    try (EngineHarness h = new EngineHarness(36).service(policy, EngineHarness.endpoints(2));
        Call call = h.destination().newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
      Attempt a = call.nextAttempt();
      h.ticker.advanceMillis(150);
      Decision d = a.complete(Outcome.http(503));
      assertThat(d.isFail()).isTrue();
      assertThat(d.failure()).isInstanceOf(DeadlineExceededException.class)
          .hasMessageContaining("deadline exceeded after 1 attempt; last failure: HTTP 503");
      assertThat(h.timerCount("mesh.client.requests", "status", "none", "error.type", "deadline-exceeded")).isEqualTo(1);
      assertThat(h.timerCount("mesh.client.requests", "status", "503")).isZero();
    }
  }

  @Test
  void aSuccessfulResponseArrivingAfterTheDeadlineIsStillHandedOver() {
    ClientPolicy policy = ClientPolicy.builder().timeout(Duration.ofMillis(100)).build();
    try (EngineHarness h = new EngineHarness(37).service(policy, EngineHarness.endpoints(2));
        Call call = h.destination().newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
      Attempt a = call.nextAttempt();
      h.ticker.advanceMillis(150);
      assertThat(a.complete(Outcome.http(200)).isDone()).isTrue();
    }
  }
}
