package io.meshwork.core.internal;

import io.meshwork.core.Cancellation;
import io.meshwork.core.Deadline;
import io.meshwork.core.Subscription;
import io.meshwork.core.Ticker;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Cancellation} of one inbound request, made by the inbound guard and kept in the
 * handler's context. Polling reads the ticker; listeners are served by one task on the {@link
 * SharedTimer}, scheduled with the first listener and cancelled when the request ends.
 */
public final class RealCancellation implements Cancellation, Runnable {
  private static final Logger log = LoggerFactory.getLogger(Cancellation.class);
  private static final ContextKey<RealCancellation> KEY = ContextKey.named("meshwork-cancellation");
  private static final Subscription NOTHING = () -> {};

  /** Outside an inbound request: never cancelled, no deadline. */
  public static final Cancellation NEVER = new Cancellation() {
    @Override
    public Deadline deadline() {
      return null;
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public Subscription onCancelled(Runnable listener) {
      return NOTHING;
    }

    @Override
    public String toString() {
      return "Cancellation[never]";
    }
  };

  private static final int LIVE = 0;
  private static final int CANCELLED = 1;
  private static final int ENDED = 2;

  private final Deadline deadline;
  private final Ticker ticker;
  // Written under this, read without it by isCancelled(); listeners are rare, polling is the common use.
  private volatile int state = LIVE;
  private List<Runnable> listeners;
  private ScheduledFuture<?> timer;

  public RealCancellation(Deadline deadline, Ticker ticker) {
    this.deadline = deadline;
    this.ticker = ticker;
  }

  /** {@code context} with this request's cancellation. */
  public Context storeIn(Context context) {
    return context.with(KEY, this);
  }

  /** The cancellation of the request {@code context} belongs to, or {@link #NEVER}. */
  public static Cancellation of(Context context) {
    RealCancellation c = context.get(KEY);
    return c == null ? NEVER : c;
  }

  @Override
  public Deadline deadline() {
    return deadline;
  }

  @Override
  public boolean isCancelled() {
    return state == CANCELLED || (deadline != null && deadline.isExpired(ticker));
  }

  @Override
  public Subscription onCancelled(Runnable listener) {
    java.util.Objects.requireNonNull(listener, "listener");
    synchronized (this) {
      if (state == ENDED) return NOTHING;
      if (state == LIVE && !(deadline != null && deadline.isExpired(ticker))) {
        if (listeners == null) listeners = new ArrayList<>(2);
        listeners.add(listener);
        if (timer == null && deadline != null) timer = SharedTimer.schedule(this, deadline.remainingNanos(ticker));
        return () -> remove(listener);
      }
    }
    cancel(); // the deadline passed: tell the others too
    runQuietly(listener);
    return NOTHING;
  }

  private synchronized void remove(Runnable listener) {
    if (listeners != null) listeners.remove(listener);
  }

  /** The deadline timer fired. */
  @Override
  public void run() {
    synchronized (this) {
      if (state != LIVE) return;
      long left = deadline.remainingNanos(ticker);
      if (left > 0) { // a fake ticker behind the system clock: wait for what is left on it
        timer = SharedTimer.schedule(this, left);
        return;
      }
    }
    cancel();
  }

  /** Cancels the request (its deadline passed, or the client went away) and runs the listeners. Idempotent. */
  public void cancel() {
    List<Runnable> toRun;
    synchronized (this) {
      if (state != LIVE) return;
      state = CANCELLED;
      toRun = listeners;
      listeners = null;
      if (timer != null) timer.cancel(false);
      timer = null;
    }
    if (toRun != null) {
      for (Runnable r : toRun) runQuietly(r);
    }
  }

  /** The request ended: listeners that have not run never will, and the timer task goes. Idempotent. */
  public void end() {
    synchronized (this) {
      if (state == LIVE) state = ENDED;
      listeners = null;
      if (timer != null) timer.cancel(false);
      timer = null;
    }
  }

  private static void runQuietly(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException | Error e) {
      log.warn("a cancellation listener failed", e);
    }
  }

  @Override
  public String toString() {
    return "Cancellation[deadline=" + deadline + ", cancelled=" + isCancelled() + "]";
  }
}
