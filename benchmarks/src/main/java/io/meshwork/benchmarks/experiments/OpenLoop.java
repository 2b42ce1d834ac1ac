package io.meshwork.benchmarks.experiments;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop load generator: request {@code i} is due at {@code start + i / rate} and is handed
 * to a sender thread at that time whether or not earlier requests have completed, so a slow
 * server cannot slow the offered load down (no coordinated omission, after Gil Tene's
 * wrk2). Each request's latency is measured by the caller from its <em>intended</em> send time
 * ({@link Sender#send}'s {@code dueNanos}), so time a request spent waiting for a sender thread
 * counts against it.
 *
 * <p>Senders are a cached pool of daemon threads (one per request in flight, reused), bounded by
 * {@code maxInFlight}; a request that finds the bound reached is not sent and is reported to
 * {@link Sender#refused}. The schedule runs on the calling thread, which parks until each due
 * time.
 *
 * <p>How far the generator itself falls behind is recorded: {@link #maxLagNanos()} is the largest
 * delay between a request's due time and its hand-off to a sender.
 */
final class OpenLoop implements AutoCloseable {
  /** What to do with one request. Called on a sender thread; must not throw. */
  interface Sender {
    void send(int index, long dueNanos);

    /** The request could not be handed to a sender (too many in flight). */
    default void refused(int index, long dueNanos) {}
  }

  private final ThreadPoolExecutor senders;
  private volatile long maxLagNanos;
  private volatile double sentPerSecond;

  OpenLoop(String name, int maxInFlight) {
    AtomicInteger n = new AtomicInteger();
    this.senders = new ThreadPoolExecutor(0, maxInFlight, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
      Thread t = new Thread(r, name + "-sender-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Sends {@code count} requests at {@code rate} per second starting at {@code startNanos}
   * ({@link System#nanoTime()}), then waits for them to complete, at most {@code drain} after
   * the last was due. Returns whether all completed.
   */
  boolean run(long startNanos, double rate, int count, Sender sender, Duration drain) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(count);
    long lag = 0;
    for (int i = 0; i < count; i++) {
      long due = startNanos + Math.round(i * 1e9 / rate);
      long wait;
      while ((wait = due - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      int index = i;
      try {
        senders.execute(() -> {
          try {
            sender.send(index, due);
          } finally {
            done.countDown();
          }
        });
      } catch (RejectedExecutionException e) {
        sender.refused(index, due);
        done.countDown();
      }
      lag = Math.max(lag, System.nanoTime() - due);
    }
    long last = System.nanoTime();
    maxLagNanos = Math.max(maxLagNanos, lag);
    sentPerSecond = count <= 1 ? count : (count - 1) / ((last - startNanos) / 1e9);
    return done.await(drain.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** The largest delay seen between a due time and the hand-off to a sender. */
  long maxLagNanos() {
    return maxLagNanos;
  }

  /** The rate the last {@link #run} achieved: requests handed off per second of its schedule. */
  double sentPerSecond() {
    return sentPerSecond;
  }

  /** Threads the pool ever had at once: the peak number of requests in flight. */
  int peakInFlight() {
    return senders.getLargestPoolSize();
  }

  @Override
  public void close() {
    senders.shutdownNow();
  }
}
