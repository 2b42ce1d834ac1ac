package io.meshwork.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.within;

import io.meshwork.core.model.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * Outstanding attempts share one cell with their start times: the count, the attempts sent and
 * the outstanding age must each read as if they had their own; lower bounds never lower the
 * estimate.
 */
class EndpointStateTest {
  private final EndpointState state = new EndpointState(Endpoint.of("127.0.0.1:8081"), 0);

  @Test
  void startingCountsBothEndingOnlyPending() {
    state.attemptStarted(0);
    state.attemptStarted(0);
    state.attemptStarted(0);
    state.attemptEnded(0);
    state.attemptEnded(0);

    assertThat(state.pending()).isEqualTo(1);
    assertThat(state.attempts()).isEqualTo(3);
  }

  @Test
  void settingPendingKeepsAttempts() {
    for (int i = 0; i < 5; i++) state.attemptStarted(0);

    state.setPending(2);

    assertThat(state.pending()).isEqualTo(2);
    assertThat(state.attempts()).isEqualTo(5);
  }

  @Test
  void pendingWellBeyondAnyRealLoadDoesNotSpillIntoAttempts() {
    int many = 1 << 20;
    state.setPending(many);
    state.attemptStarted(0);

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
          state.attemptStarted(0);
          state.attemptEnded(0);
        }
        state.attemptStarted(0); // each thread leaves one attempt open
      });
      w.start();
      workers.add(w);
    }
    go.countDown();
    for (Thread w : workers) w.join(30_000);

    assertThat(state.pending()).isEqualTo(threads);
    assertThat(state.attempts()).isEqualTo((long) threads * (perThread + 1));
  }

  private static final long MILLIS = 1_000_000L;
  private static final long TAU = 10_000_000_000L;

  @Test
  void outstandingAgeIsTheMeanAgeOfWhatIsInFlight() {
    long t0 = 5_000 * MILLIS;
    state.attemptStarted(t0);
    state.attemptStarted(t0 + 200 * MILLIS);

    assertThat(state.outstandingAgeNanos(t0 + 1_000 * MILLIS)).isCloseTo(900.0 * MILLIS, within(0.01 * MILLIS));

    state.attemptEnded(t0);
    assertThat(state.outstandingAgeNanos(t0 + 1_000 * MILLIS)).isCloseTo(800.0 * MILLIS, within(0.01 * MILLIS));

    state.attemptEnded(t0 + 200 * MILLIS);
    assertThat(state.outstandingAgeNanos(t0 + 1_000 * MILLIS)).isZero();
  }

  @Test
  void outstandingAgeIsRightWhateverTheTickerReads() {
    // System.nanoTime() may be negative or near the top of the range; the sums wrap.
    for (long t0 : new long[] {Long.MIN_VALUE + 1, -7 * MILLIS, 0, Long.MAX_VALUE - 3_000 * MILLIS}) {
      EndpointState e = new EndpointState(Endpoint.of("127.0.0.1:8081"), t0);
      for (int i = 0; i < 100; i++) e.attemptStarted(t0 + i * MILLIS);

      assertThat(e.outstandingAgeNanos(t0 + 2_000 * MILLIS)).as("from %d", t0)
          .isCloseTo((2_000 - 49.5) * MILLIS, within(0.01 * MILLIS));
    }
  }

  @Test
  void anAttemptStartedJustAfterTheReadersClockDoesNotLookAncient() {
    long now = 1_000 * MILLIS;
    state.attemptStarted(now + 5_000); // another thread read its clock a few microseconds later

    assertThat(state.outstandingAgeNanos(now)).isZero();
  }

  @Test
  void aLowerBoundAboveTheEstimateRaisesItAndOneBelowLeavesIt() {
    state.observeLatency(20 * MILLIS, 0, TAU);

    state.observeLowerBound(5 * MILLIS, 10 * MILLIS, TAU); // cut off early: says nothing
    assertThat(state.costNanos(10 * MILLIS, TAU)).isCloseTo(20.0 * MILLIS, within(0.1 * MILLIS));

    state.observeLowerBound(1_000 * MILLIS, 1_010 * MILLIS, TAU); // waited a second, no answer
    assertThat(state.costNanos(1_010 * MILLIS, TAU)).isEqualTo(1_000.0 * MILLIS);
  }

  @Test
  void aLowerBoundMeasuresANewEndpoint() {
    assertThat(state.measured()).isFalse();

    state.observeLowerBound(1_000 * MILLIS, 1_000 * MILLIS, TAU);

    assertThat(state.measured()).isTrue();
    assertThat(state.costNanos(1_000 * MILLIS, TAU)).isEqualTo(1_000.0 * MILLIS);
  }
}
