package io.meshwork.core;

import static io.meshwork.core.EngineHarness.MILLIS;
import static io.meshwork.core.EngineHarness.SERVICE;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.model.CircuitBreakerPolicy;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.RetryBudgetPolicy;
import io.meshwork.core.model.RetryPolicy;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * Real threads against one destination: random outcomes, retries, cancellations (close without
 * complete) and closes racing completions on another thread, while the breaker flips between
 * states in fake time. Afterwards nothing may be left in flight and the breaker must still
 * work: a leaked permission would leave it stuck half open.
 */
class EngineConcurrencyTest {
  private static final int THREADS = 8;
  private static final int CALLS_PER_THREAD = 20_000;
  private static final Duration OPEN_FOR = Duration.ofSeconds(1);

  @Test
  void randomCallsCancellationsAndClosesRacingCompletionsOnEightThreadsLeaveNothingInFlight() throws Exception {
    ClientPolicy policy = ClientPolicy.builder()
        .maxConcurrentRequests(6)
        .retries(RetryPolicy.DEFAULT.withBackoff(Duration.ofMillis(1), Duration.ofMillis(2)))
        .retryBudget(new RetryBudgetPolicy(1, 100, Duration.ofSeconds(10)))
        // A fixed open time (maxOpenFor = openFor): with the default doubling up to 5 s, a run
        // whose probes kept landing in bad seconds spent most of its fake time open, admitted
        // too few calls to race a close against a completion, and failed (1 run in about 25).
        .circuitBreaker(new CircuitBreakerPolicy(true, 50, Duration.ofSeconds(2), 20, OPEN_FOR, OPEN_FOR, 2))
        .build();
    try (EngineHarness h = new EngineHarness(EngineHarness.perThread(100)).service(policy, EngineHarness.endpoints(5))) {
      Destination d = h.destination();
      ExecutorService workers = Executors.newFixedThreadPool(THREADS);
      ExecutorService racers = Executors.newFixedThreadPool(2);
      LongAdder admitted = new LongAdder();
      LongAdder refused = new LongAdder();
      LongAdder races = new LongAdder();
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          long seed = 1000 + t;
          done.add(workers.submit(() -> {
            SplittableRandom r = new SplittableRandom(seed);
            for (int i = 0; i < CALLS_PER_THREAD; i++) {
              h.ticker.advanceNanos(r.nextLong(100_000));
              // Odd seconds are bad seconds: most calls fail, so the breaker opens and probes.
              boolean badSecond = (h.ticker.nanoTime() / 1_000_000_000L) % 2 == 1;
              Call call;
              try {
                call = d.newCall(MeshRequest.EMPTY_IDEMPOTENT);
              } catch (CircuitOpenException | ConcurrencyLimitException e) {
                refused.increment();
                continue;
              }
              admitted.increment();
              try {
                drive(call, r, badSecond, racers, races);
              } finally {
                call.close();
              }
            }
            return null;
          }));
        }
        for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
      } finally {
        workers.shutdownNow();
        racers.shutdownNow();
      }

      assertThat(d.inFlight()).isZero();
      assertThat(d.endpoints()).allSatisfy(s -> assertThat(s.inFlight()).as("%s", s.endpoint()).isZero());
      assertThat(admitted.sum() + refused.sum()).isEqualTo((long) THREADS * CALLS_PER_THREAD);
      // Every admitted call ended exactly once, and every call (admitted or not) was measured once.
      assertThat(h.events.callsCompleted.sum()).isEqualTo(admitted.sum());
      assertThat(h.meters.find("mesh.client.requests").tag("service", SERVICE).timers().stream()
          .mapToLong(Timer::count).sum()).isEqualTo(admitted.sum() + refused.sum());
      assertThat(races.sum()).isPositive();
      assertThat(h.events.circuitTransitions).contains("CLOSED->OPEN", "OPEN->HALF_OPEN");
      System.out.printf("concurrency: %d admitted, %d refused, %d close/complete races, %d breaker transitions%n",
          admitted.sum(), refused.sum(), races.sum(), h.events.circuitTransitions.size());

      // The breaker is not stuck: once the longest open time has passed (the open time doubles
      // from OPEN_FOR while probes fail, up to maxOpenFor), two good probes close it and calls flow.
      h.ticker.advance(CircuitBreakerPolicy.defaultMaxOpenFor(OPEN_FOR).plusSeconds(1));
      for (int i = 0; i < 3; i++) {
        EngineHarness.CallResult r = h.drive(d, MeshRequest.EMPTY_IDEMPOTENT, e -> Outcome.http(200), MILLIS);
        assertThat(r.failure()).isNull();
      }
      assertThat(d.circuitState()).isEqualTo(CircuitState.CLOSED);
      assertThat(d.inFlight()).isZero();
    }
  }

  private static void drive(Call call, SplittableRandom r, boolean badSecond, ExecutorService racers, LongAdder races)
      throws Exception {
    while (true) {
      Attempt a;
      try {
        a = call.nextAttempt();
      } catch (MeshException e) {
        return;
      }
      int action = r.nextInt(100);
      Outcome o = outcome(r, badSecond);
      if (action < 5) {
        return; // cancelled by the caller: closed without completing
      }
      if (action < 8) {
        // The response arrives on another thread while the caller gives up.
        Future<Decision> completion = racers.submit(() -> a.complete(o));
        call.close();
        completion.get(10, TimeUnit.SECONDS);
        races.increment();
        return;
      }
      if (!a.complete(o).isRetry()) {
        return;
      }
    }
  }

  private static Outcome outcome(SplittableRandom r, boolean badSecond) {
    int x = r.nextInt(100);
    if (x < (badSecond ? 20 : 80)) return Outcome.http(200);
    if (x < 90) return Outcome.http(503);
    if (x < 95) return Outcome.connectFailure(new ConnectException("refused"));
    return Outcome.reset(new IOException("reset"));
  }
}
