package io.meshwork.tls.internal;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a check at a fixed delay on a scheduler, its own daemon thread unless given one. A
 * check that throws is logged and the schedule goes on (a plain scheduled task would stop
 * silently). Closing cancels the schedule and stops a thread it started, never a scheduler it
 * was given.
 */
public final class Refresher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Refresher.class);
  private final ScheduledExecutorService own;
  private final ScheduledFuture<?> future;

  private Refresher(ScheduledExecutorService own, ScheduledFuture<?> future) {
    this.own = own;
    this.future = future;
  }

  /** Starts running {@code check} every {@code interval}, first after one interval. */
  public static Refresher start(ScheduledExecutorService given, String threadName, Duration interval, Runnable check) {
    ScheduledExecutorService own = null;
    ScheduledExecutorService s = given;
    if (s == null) {
      own = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, threadName);
        t.setDaemon(true);
        return t;
      });
      s = own;
    }
    long nanos = interval.toNanos();
    ScheduledFuture<?> f = s.scheduleWithFixedDelay(() -> {
      try {
        check.run();
      } catch (RuntimeException e) {
        log.warn("{}: check failed; trying again in {} ms", threadName, interval.toMillis(), e);
      }
    }, nanos, nanos, TimeUnit.NANOSECONDS);
    return new Refresher(own, f);
  }

  @Override
  public void close() {
    future.cancel(false);
    if (own != null) {
      own.shutdownNow();
    }
  }
}
