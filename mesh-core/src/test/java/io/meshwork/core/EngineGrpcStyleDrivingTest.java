package io.meshwork.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.RetryBudgetPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Driving calls the way gRPC does: a picker on one thread (the channel's synchronization
 * context) starts calls and picks endpoints; the attempt completes later on a transport thread
 * (the stream tracer); the decision is handed back to the picker, which retries or ends the
 * call there.
 */
class EngineGrpcStyleDrivingTest {
  private static final int CALLS = 2000;

  @Test
  void attemptsPickedOnOneThreadAndCompletedOnAnotherRetryAndEndCleanly() throws Exception {
    List<Endpoint> endpoints = EngineHarness.endpoints(4);
    Endpoint unavailable = endpoints.get(1);
    try (EngineHarness h = new EngineHarness(EngineHarness.perThread(71))
        // The budget must not bind: the picker can run far ahead of the transport, so a quarter
        // of the first attempts may reach the unavailable endpoint before outlier detection
        // ejects it, more retries than 20 % of calls (this test is about threads, not the budget).
        .service(ClientPolicy.builder().maxConcurrentRequests(10 * CALLS)
            .retryBudget(new RetryBudgetPolicy(1, 100, Duration.ofSeconds(10))).build(), endpoints)) {
      Destination d = h.destination();
      ExecutorService picker = Executors.newSingleThreadExecutor(r -> new Thread(r, "picker"));
      ExecutorService transport = Executors.newFixedThreadPool(4);
      Set<String> pickThreads = ConcurrentHashMap.newKeySet();
      Set<String> completeThreads = ConcurrentHashMap.newKeySet();
      AtomicInteger retries = new AtomicInteger();
      AtomicInteger ok = new AtomicInteger();
      AtomicInteger other = new AtomicInteger();
      CountDownLatch finished = new CountDownLatch(CALLS);
      try {
        class Driver {
          void start() {
            Call call = d.newCall(MeshRequest.EMPTY_IDEMPOTENT);
            pick(call);
          }

          void pick(Call call) {
            pickThreads.add(Thread.currentThread().getName());
            Attempt a = call.nextAttempt();
            transport.execute(() -> {
              completeThreads.add(Thread.currentThread().getName());
              Outcome o = a.endpoint().equals(unavailable) ? Outcome.grpc(Outcome.GRPC_UNAVAILABLE) : Outcome.grpc(0);
              Decision decision = a.complete(o);
              picker.execute(() -> decided(call, o, decision));
            });
          }

          void decided(Call call, Outcome o, Decision decision) {
            if (decision.isRetry()) {
              retries.incrementAndGet();
              pick(call);
              return;
            }
            call.close();
            (decision.isDone() && o.isSuccess() ? ok : other).incrementAndGet();
            finished.countDown();
          }
        }
        Driver driver = new Driver();
        for (int i = 0; i < CALLS; i++) picker.execute(driver::start);
        assertThat(finished.await(30, TimeUnit.SECONDS)).isTrue();
      } finally {
        picker.shutdownNow();
        transport.shutdownNow();
      }

      assertThat(pickThreads).containsExactly("picker");
      assertThat(completeThreads).doesNotContain("picker").isNotEmpty();
      assertThat(retries.get()).isPositive();
      assertThat(ok.get()).as("a retry avoids the endpoint that failed").isEqualTo(CALLS);
      assertThat(other.get()).isZero();
      assertThat(h.events.budgetExhausted.sum()).isZero();
      assertThat(d.inFlight()).isZero();
      assertThat(d.endpoints()).allSatisfy(s -> assertThat(s.inFlight()).isZero());
      assertThat(h.events.callsCompleted.sum()).isEqualTo(CALLS);
    }
  }
}
