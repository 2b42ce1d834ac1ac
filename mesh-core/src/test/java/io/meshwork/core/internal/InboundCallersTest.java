package io.meshwork.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.inbound.InboundCaller;
import io.meshwork.core.inbound.RefusalKind;
import io.meshwork.core.testing.FakeTicker;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The recorder behind {@code Mesh.inboundCallers()}: counts stay exact under concurrent
 * recording, and recording for a known caller allocates nothing.
 */
class InboundCallersTest {
  private static final String FRONTEND = "spiffe://example.org/service/frontend";

  private final FakeTicker ticker = new FakeTicker();
  private final InboundCallers callers = new InboundCallers(ticker);

  @Test
  void concurrentRecordsAreAllCounted() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      Future<?>[] done = new Future<?>[4];
      for (int t = 0; t < done.length; t++) {
        int thread = t;
        done[t] = pool.submit(() -> {
          for (int i = 0; i < 10_000; i++) {
            callers.entry(FRONTEND).record(i % 10 == 0 ? RefusalKind.ACCESS_DENIED : null, ticker.nanoTime());
            callers.entry("spiffe://example.org/service/caller-" + (thread * 100 + i % 100)).record(null, 0);
          }
        });
      }
      for (Future<?> f : done) f.get(30, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    InboundCaller frontend = callers.snapshot().get(0);
    assertThat(frontend.identity()).isEqualTo(FRONTEND);
    assertThat(frontend.accepted()).isEqualTo(36_000);
    assertThat(frontend.refused()).containsExactlyEntriesOf(java.util.Map.of(RefusalKind.ACCESS_DENIED, 4_000L));
    // 400 distinct identities raced for 256 places: exactly 255 more got one, the rest are "other".
    assertThat(callers.snapshot()).hasSize(InboundCaller.MAX_CALLERS + 1);
    assertThat(callers.snapshot().stream().mapToLong(InboundCaller::accepted).sum()).isEqualTo(36_000 + 40_000);
  }

  @Test
  void recordingForAKnownCallerAllocatesNothing() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    String known = new String(FRONTEND); // a fresh String per request, as transports read it, with an equal value
    callers.entry(known).record(null, 0);
    callers.entry(null).record(RefusalKind.IDENTITY_REQUIRED, 0);
    for (int i = 0; i < 20_000; i++) { // warm up: the JIT compiles the path
      callers.entry(FRONTEND).record(null, i);
      callers.entry(null).record(null, i);
    }
    long id = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(id);
    for (int i = 0; i < 100_000; i++) {
      callers.entry(FRONTEND).record(i % 2 == 0 ? null : RefusalKind.DEADLINE_PASSED, i * 1_000_000L);
      callers.entry(null).record(null, i);
    }
    long allocated = threads.getThreadAllocatedBytes(id) - before;
    // 200,000 records: even 8 bytes each would be 1.6 MB. Allow for the measurement's own noise.
    assertThat(allocated).as("bytes allocated by 200,000 records").isLessThan(16 * 1024);
  }

  @Test
  void lastSeenHasMillisecondResolution() {
    callers.entry(FRONTEND).record(null, ticker.nanoTime());
    ticker.advanceNanos(999_999);
    callers.entry(FRONTEND).record(null, ticker.nanoTime()); // within the same millisecond: not written
    ticker.advanceNanos(500_000);
    // 1.499999 ms since the first record, which stands; the second would have made it 0.5 ms.
    assertThat(callers.snapshot().get(0).sinceLastSeen()).isEqualTo(Duration.ofMillis(1));
    callers.entry(FRONTEND).record(null, ticker.nanoTime()); // a millisecond on: written
    assertThat(callers.snapshot().get(0).sinceLastSeen()).isZero();
  }
}
