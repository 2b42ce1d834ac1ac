package io.meshwork.http;

import io.meshwork.core.Deadline;
import io.meshwork.core.Ticker;
import io.meshwork.core.internal.SharedTimer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ScheduledFuture;
import okhttp3.Call;

/**
 * The hard bound of one mesh call: cancels the OkHttp {@link Call} when the call's deadline
 * passes, whatever OkHttp is doing then (waiting for a connection or the pool's lock, its own
 * retry of a stale pooled connection, a read that keeps getting a byte just before its read
 * timeout, the application reading the body), and says so ({@link #fired()}) so the caller is
 * told the mesh's deadline stopped the call, not that it was cancelled.
 *
 * <p>Why: OkHttp's connect, read and write timeouts bound each operation, not the call. A read
 * timeout restarts on every read, so a server trickling its body outlives any deadline; OkHttp's
 * recovery from a stale connection starts fresh timeouts; and a thread starved of CPU waits on
 * the pool's lock with no timeout at all.
 *
 * <p>Armed once per call by {@link MeshInterceptor} on the process's one timer ({@link
 * SharedTimer}), disarmed when the call fails or its response body is closed or read to the
 * end ({@link WatchedBody}). Cost: one task scheduled and one cancelled per call, no thread per
 * call. A mesh client's calls carry it in their {@link CallStarts.Start}, so it allocates
 * nothing but the scheduled task.
 *
 * <p>On a {@linkplain io.meshwork.core.testing.FakeTicker fake ticker} the timer (which runs on
 * the system's clock) re-checks the ticker when it fires and waits again for what is left, so it
 * never cancels a call whose deadline has not passed on the mesh's own clock.
 */
class Watchdog implements Runnable {
  private static final VarHandle STATE;
  private static final int IDLE = 0;
  private static final int ARMED = 1;
  private static final int FIRED = 2;
  private static final int DISARMED = 3;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(Watchdog.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Call call;
  private Ticker ticker;
  private long deadlineNanos;
  @SuppressWarnings("unused") // through STATE
  private volatile int state;
  private volatile ScheduledFuture<?> task;

  Watchdog(Call call) {
    this.call = call;
  }

  /** Cancels the call at {@code deadline} on {@code ticker}, until {@link #disarm()}. Once per call. */
  final void arm(Ticker ticker, Deadline deadline) {
    this.ticker = ticker;
    this.deadlineNanos = deadline.nanoTime();
    if (!STATE.compareAndSet(this, IDLE, ARMED)) return; // a call is intercepted once
    schedule(deadline.remainingNanos(ticker));
  }

  private void schedule(long delayNanos) {
    ScheduledFuture<?> f = SharedTimer.schedule(this, delayNanos);
    task = f;
    // Disarmed meanwhile: it may have read the previous task, so this one is ours to cancel.
    if ((int) STATE.getVolatile(this) != ARMED) f.cancel(false);
  }

  /** On the timer's thread. */
  @Override
  public final void run() {
    if ((int) STATE.getVolatile(this) != ARMED) return;
    long left = deadlineNanos - ticker.nanoTime();
    if (left > 0) { // a fake ticker behind the system clock
      schedule(left);
      return;
    }
    if (STATE.compareAndSet(this, ARMED, FIRED)) {
      call.cancel();
    }
  }

  /** Whether the deadline passed and the call was cancelled for it. */
  final boolean fired() {
    return (int) STATE.getVolatile(this) == FIRED;
  }

  /** The call is over (failed, or its body was closed or read to the end): stop watching. Idempotent. */
  final void disarm() {
    if (STATE.compareAndSet(this, ARMED, DISARMED)) {
      ScheduledFuture<?> f = task;
      if (f != null) f.cancel(false);
    }
  }
}
