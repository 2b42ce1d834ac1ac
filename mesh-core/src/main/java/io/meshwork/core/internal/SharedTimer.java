package io.meshwork.core.internal;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one timer of the process for deadlines that must fire on their own: the HTTP client's
 * watchdog (mesh-http cancels an OkHttp call at its deadline) and the inbound requests'
 * cancellation signals ({@link RealCancellation}). Not the engine's: the engine still decides
 * without threads, reading time from its ticker; this only delivers "time is up" to a transport
 * or a handler that cannot poll.
 *
 * <p>One daemon thread, {@code meshwork-deadline-timer}, started with the first task and gone
 * after {@value #IDLE_SECONDS} s without any (it never exits while a task is pending). Cancelled
 * tasks leave the queue at once ({@code setRemoveOnCancelPolicy(true)}), so a deadline armed for
 * a call that ended in time costs one insertion and one removal in the timer's heap, O(log n),
 * and leaves nothing behind. A hashed wheel would make both O(1) but tick (wake up) every few
 * milliseconds whether or not anything is due; at the few thousand calls in flight a process
 * has, the heap's log n is a dozen comparisons.
 *
 * <p>Tasks must be short and must not block: they run one after another on the one thread.
 */
public final class SharedTimer {
  static final int IDLE_SECONDS = 10;

  private SharedTimer() {}

  private static final class Holder {
    static final ScheduledThreadPoolExecutor EXECUTOR = create();

    private static ScheduledThreadPoolExecutor create() {
      ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "meshwork-deadline-timer");
        t.setDaemon(true);
        return t;
      });
      e.setRemoveOnCancelPolicy(true);
      e.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
      e.setKeepAliveTime(IDLE_SECONDS, TimeUnit.SECONDS);
      e.allowCoreThreadTimeOut(true);
      return e;
    }
  }

  /**
   * Runs {@code task} on the timer's thread {@code delayNanos} from now (at once when zero or
   * less). Cancel the returned future with {@code cancel(false)} when it is no longer wanted.
   */
  public static ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
    return Holder.EXECUTOR.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
  }

  /** Tasks waiting in the timer's queue (for tests and diagnostics: a leak shows as growth). */
  public static int queued() {
    return Holder.EXECUTOR.getQueue().size();
  }
}
