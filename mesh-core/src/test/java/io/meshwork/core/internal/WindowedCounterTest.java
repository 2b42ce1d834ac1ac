package io.meshwork.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WindowedCounterTest {
  private static final long S = 1_000_000_000L;

  @Test
  void countsAgeOutSliceBySliceAfterTheWindow() {
    WindowedCounter c = new WindowedCounter(10 * S, 10);
    long t0 = 1_000 * S;
    for (int i = 0; i < 10; i++) {
      c.add(1, t0 + i * S); // one event in each of ten seconds
    }
    assertThat(c.sum(t0 + 9 * S)).isEqualTo(10);
    assertThat(c.sum(t0 + 10 * S)).isEqualTo(9); // the first second left the window
    assertThat(c.sum(t0 + 15 * S)).isEqualTo(4);
    assertThat(c.sum(t0 + 30 * S)).isZero();
  }

  @Test
  void aSliceReusedAfterAFullTurnStartsFromZero() {
    WindowedCounter c = new WindowedCounter(10 * S, 10);
    long t0 = 500 * S;
    c.add(7, t0);
    c.add(1, t0 + 10 * S); // same slot, next turn
    assertThat(c.sum(t0 + 10 * S)).isEqualTo(1);
  }

  @Test
  void timeGoingBackToAnEarlierSliceIsStillCountedCorrectly() {
    WindowedCounter c = new WindowedCounter(10 * S, 10);
    long t0 = 100 * S;
    c.add(1, t0 + 5 * S);
    c.add(1, t0 + 4 * S); // a thread that read the ticker earlier reports late
    assertThat(c.sum(t0 + 5 * S)).isEqualTo(2);
  }

  @Test
  void concurrentAddsAreNeverLost() throws Exception {
    WindowedCounter c = new WindowedCounter(10 * S, 10);
    long t = 42 * S;
    ExecutorService pool = Executors.newFixedThreadPool(4);
    for (int th = 0; th < 4; th++) {
      pool.submit(() -> {
        for (int i = 0; i < 100_000; i++) c.add(1, t + (i % 3) * (S / 2));
      });
    }
    pool.shutdown();
    assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(c.sum(t + 2 * S)).isEqualTo(400_000);
  }
}
