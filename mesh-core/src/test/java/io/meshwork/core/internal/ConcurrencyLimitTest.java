package io.meshwork.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The striped limit must admit exactly as a single counter would, whatever the threads. */
class ConcurrencyLimitTest {
  private final ConcurrencyLimit limit = new ConcurrencyLimit();

  @Test
  void smallLimitAdmitsUpToItAndNoMore() {
    assertThat(limit.tryAcquire(3)).isTrue();
    assertThat(limit.tryAcquire(3)).isTrue();
    assertThat(limit.tryAcquire(3)).isTrue();
    assertThat(limit.tryAcquire(3)).isFalse();
    assertThat(limit.inFlight()).isEqualTo(3);

    limit.release(3);
    assertThat(limit.inFlight()).isEqualTo(2);
    assertThat(limit.tryAcquire(3)).isTrue();
    assertThat(limit.tryAcquire(3)).isFalse();
  }

  @Test
  void chunkedLimitAdmitsExactlyTheLimitFromOneThread() {
    int max = ConcurrencyLimit.CHUNKED_FROM + 5; // not a multiple of the chunk
    for (int i = 0; i < max; i++) {
      assertThat(limit.tryAcquire(max)).as("call %d", i + 1).isTrue();
    }
    assertThat(limit.tryAcquire(max)).isFalse();
    assertThat(limit.inFlight()).isEqualTo(max);

    for (int i = 0; i < max; i++) limit.release(max);
    assertThat(limit.inFlight()).isZero();
  }

  @Test
  void sparesLeftOnAnotherThreadsStripeDoNotRefuseCallsEarly() throws InterruptedException {
    int max = ConcurrencyLimit.CHUNKED_FROM;
    // One thread takes and gives back permits: its stripe keeps spares (granted, not in use).
    Thread first = threadOnStripe(0, () -> {
      for (int i = 0; i < 2 * ConcurrencyLimit.CHUNK; i++) assertThat(limit.tryAcquire(max)).isTrue();
      for (int i = 0; i < 2 * ConcurrencyLimit.CHUNK; i++) limit.release(max);
    });
    runAndJoin(first);
    assertThat(limit.inFlight()).isZero();

    // A thread on another stripe still gets the whole limit, spares reclaimed on the way.
    AtomicInteger admitted = new AtomicInteger();
    runAndJoin(threadOnStripe(1, () -> {
      while (limit.tryAcquire(max)) admitted.incrementAndGet();
    }));
    assertThat(admitted).hasValue(max);
    assertThat(limit.inFlight()).isEqualTo(max);
  }

  @Test
  void aLimitChangedWhileCallsAreInFlightKeepsTheCountRight() {
    for (int i = 0; i < 20; i++) assertThat(limit.tryAcquire(1024)).isTrue(); // chunked
    for (int i = 0; i < 10; i++) limit.release(10); // limit lowered: one at a time
    assertThat(limit.inFlight()).isEqualTo(10);
    assertThat(limit.tryAcquire(10)).as("10 of 10 in flight").isFalse();

    for (int i = 0; i < 10; i++) limit.release(1024); // raised again: chunked
    assertThat(limit.inFlight()).isZero();
    assertThat(limit.tryAcquire(10)).isTrue();
  }

  @Test
  void manyThreadsNeverHoldMoreThanTheLimitAndEndAtZero() throws InterruptedException {
    int max = ConcurrencyLimit.CHUNKED_FROM;
    int threads = 8;
    int wantedEach = 60; // 480 wanted in all, against a limit of 256
    AtomicInteger holding = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch filled = new CountDownLatch(threads);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      workers.add(new Thread(() -> {
        awaitQuietly(go);
        int held = 0;
        // 1. Take permits until this thread holds its share or is refused, then hold them until
        //    every thread has done the same: demand exceeds the limit, so the limit is reached
        //    whatever the scheduling.
        while (held < wantedEach && limit.tryAcquire(max)) {
          held++;
          peak.accumulateAndGet(holding.incrementAndGet(), Math::max);
        }
        if (held < wantedEach) refused.incrementAndGet();
        filled.countDown();
        awaitQuietly(filled);
        // 2. Churn: give one back, take one, racing the other threads.
        for (int i = 0; i < 20_000; i++) {
          if (held > 0 && (i & 1) == 0) {
            held--;
            holding.decrementAndGet();
            limit.release(max);
          } else if (limit.tryAcquire(max)) {
            held++;
            peak.accumulateAndGet(holding.incrementAndGet(), Math::max);
          }
        }
        for (; held > 0; held--) {
          holding.decrementAndGet();
          limit.release(max);
        }
      }));
    }
    workers.forEach(Thread::start);
    go.countDown();
    for (Thread w : workers) w.join(60_000);

    assertThat(refused.get()).as("threads refused in the first phase").isPositive();
    // Never more than the limit; and at most a stripe's worth of spares per stripe short of it.
    assertThat(peak.get()).as("calls held at once")
        .isLessThanOrEqualTo(max).isGreaterThanOrEqualTo(max - ConcurrencyLimit.STRIPES * ConcurrencyLimit.CHUNK);
    assertThat(limit.inFlight()).isZero();
    // Everything given back: the whole limit is available again to one thread.
    int again = 0;
    while (limit.tryAcquire(max)) again++;
    assertThat(again).isEqualTo(max);
  }

  /** A thread (not started) whose id puts it on {@code stripe}. */
  private static Thread threadOnStripe(int stripe, Runnable body) {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    while (true) {
      Thread t = new Thread(() -> {
        try {
          body.run();
        } catch (Throwable e) {
          failure.set(e);
          throw e;
        }
      });
      if (((int) t.getId() & (ConcurrencyLimit.STRIPES - 1)) == stripe) {
        t.setUncaughtExceptionHandler((th, e) -> { });
        return new Thread(() -> {
          t.start();
          try {
            t.join();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          if (failure.get() != null) throw new AssertionError(failure.get());
        });
      }
    }
  }

  private static void runAndJoin(Thread t) throws InterruptedException {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    t.setUncaughtExceptionHandler((th, e) -> failure.set(e));
    t.start();
    t.join(30_000);
    assertThat(failure.get()).isNull();
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
