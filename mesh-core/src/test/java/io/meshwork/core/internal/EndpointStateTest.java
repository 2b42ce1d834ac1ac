package io.meshwork.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.model.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** Pending and attempts share one cell: each must read as if it had its own. */
class EndpointStateTest {
  private final EndpointState state = new EndpointState(Endpoint.of("127.0.0.1:8081"), 0);

  @Test
  void startingCountsBothEndingOnlyPending() {
    state.attemptStarted();
    state.attemptStarted();
    state.attemptStarted();
    state.attemptEnded();
    state.attemptEnded();

    assertThat(state.pending()).isEqualTo(1);
    assertThat(state.attempts()).isEqualTo(3);
  }

  @Test
  void settingPendingKeepsAttempts() {
    for (int i = 0; i < 5; i++) state.attemptStarted();

    state.setPending(2);

    assertThat(state.pending()).isEqualTo(2);
    assertThat(state.attempts()).isEqualTo(5);
  }

  @Test
  void pendingWellBeyondAnyRealLoadDoesNotSpillIntoAttempts() {
    int many = 1 << 20;
    state.setPending(many);
    state.attemptStarted();

    assertThat(state.pending()).isEqualTo(many + 1);
    assertThat(state.attempts()).isEqualTo(1);
  }

  @Test
  void concurrentStartsAndEndsLoseNothing() throws InterruptedException {
    int threads = 4;
    int perThread = 50_000;
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread w = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int i = 0; i < perThread; i++) {
          state.attemptStarted();
          state.attemptEnded();
        }
        state.attemptStarted(); // each thread leaves one attempt open
      });
      w.start();
      workers.add(w);
    }
    go.countDown();
    for (Thread w : workers) w.join(30_000);

    assertThat(state.pending()).isEqualTo(threads);
    assertThat(state.attempts()).isEqualTo((long) threads * (perThread + 1));
  }
}
