package io.meshwork.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshwork.core.model.CircuitBreakerPolicy;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.RetryPolicy;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Model-based property: any single-threaded interleaving of newCall, nextAttempt, complete
 * (including a repeated completion of the same attempt) and close over several calls keeps the
 * destination's in-flight count and every endpoint's outstanding count equal to what a simple
 * model says, and both return to zero once every call is closed. Misuse (nextAttempt while an
 * attempt is open, or after the call ended) is refused with IllegalStateException and changes
 * nothing.
 */
class EngineInterleavingPropertyTest {
  private static final Outcome[] OUTCOMES = {
    Outcome.http(200), Outcome.http(503), Outcome.http(404), Outcome.grpc(Outcome.GRPC_UNAVAILABLE),
    Outcome.connectFailure(new ConnectException("refused")), Outcome.timeout(), Outcome.cancelled()
  };

  enum Kind { OPEN, NEXT, COMPLETE, COMPLETE_AGAIN, CLOSE, ADVANCE }

  record Step(Kind kind, int call, int arg) {}

  private enum State { IDLE, IN_FLIGHT, ENDED }

  private static final class Model {
    final Call call;
    State state = State.IDLE;
    Attempt attempt;
    Outcome lastOutcome;

    Model(Call call) {
      this.call = call;
    }
  }

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Step> step = Combinators.combine(
        Arbitraries.of(Kind.class), Arbitraries.integers().between(0, 5), Arbitraries.integers().between(0, 999))
        .as(Step::new);
    return step.list().ofMinSize(1).ofMaxSize(60);
  }

  @Property(tries = 300)
  void inFlightCountsFollowTheModelAndReturnToZero(@ForAll("steps") List<Step> steps, @ForAll long seed) {
    ClientPolicy policy = ClientPolicy.builder()
        .maxConcurrentRequests(4)
        .timeout(Duration.ofSeconds(3))
        .retries(RetryPolicy.DEFAULT.withMaxAttempts(3))
        .circuitBreaker(new CircuitBreakerPolicy(true, 50, Duration.ofSeconds(5), 4, Duration.ofSeconds(1), 2))
        .build();
    try (EngineHarness h = new EngineHarness(seed).service(policy, EngineHarness.endpoints(3))) {
      Destination d = h.destination();
      List<Model> calls = new ArrayList<>();
      for (Step s : steps) {
        Model m = calls.isEmpty() ? null : calls.get(s.call() % calls.size());
        switch (s.kind()) {
          case OPEN -> {
            try {
              calls.add(new Model(d.newCall(MeshRequest.EMPTY_IDEMPOTENT)));
            } catch (ConcurrencyLimitException | CircuitOpenException refused) {
              // refused calls hold nothing
            }
          }
          case NEXT -> {
            if (m == null) break;
            if (m.state == State.IDLE) {
              try {
                m.attempt = m.call.nextAttempt();
                m.state = State.IN_FLIGHT;
              } catch (DeadlineExceededException | NoEndpointsException e) {
                m.state = State.ENDED;
              }
            } else {
              assertThatThrownBy(m.call::nextAttempt).isInstanceOf(IllegalStateException.class);
            }
          }
          case COMPLETE -> {
            if (m == null || m.attempt == null) break;
            Outcome o = OUTCOMES[s.arg() % OUTCOMES.length];
            Decision decision = m.attempt.complete(o);
            if (m.state == State.IN_FLIGHT) {
              m.state = decision.isRetry() ? State.IDLE : State.ENDED;
              m.lastOutcome = o;
            }
          }
          case COMPLETE_AGAIN -> {
            // The same attempt reported twice (e.g. by a stream tracer and a listener): ignored.
            if (m == null || m.attempt == null || m.state == State.IN_FLIGHT) break;
            m.attempt.complete(Outcome.http(200));
          }
          case CLOSE -> {
            if (m == null) break;
            m.call.close();
            m.state = State.ENDED;
          }
          case ADVANCE -> h.ticker.advanceMillis(s.arg() * 3L);
          default -> throw new AssertionError(s);
        }
        check(d, calls);
      }
      calls.forEach(m -> m.call.close());
      calls.forEach(m -> m.state = State.ENDED);
      check(d, calls);
      assertThat(h.events.callsCompleted.sum()).isEqualTo(calls.size());

      // No breaker permission leaked: after the open time, good calls are admitted and close it.
      h.ticker.advance(Duration.ofSeconds(10));
      for (int i = 0; i < 3; i++) {
        assertThat(h.drive(d, MeshRequest.EMPTY_IDEMPOTENT, e -> Outcome.http(200), 1000).failure()).isNull();
      }
      assertThat(d.circuitState()).isEqualTo(CircuitState.CLOSED);
    }
  }

  private static void check(Destination d, List<Model> calls) {
    long open = calls.stream().filter(m -> m.state != State.ENDED).count();
    long attempting = calls.stream().filter(m -> m.state == State.IN_FLIGHT).count();
    assertThat(d.inFlight()).as("calls in flight").isEqualTo(open);
    assertThat(d.endpoints().stream().mapToInt(EndpointStatus::inFlight).sum()).as("attempts in flight")
        .isEqualTo(attempting);
  }
}
