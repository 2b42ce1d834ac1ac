package io.meshwork.tls;

import io.meshwork.tls.internal.Refresher;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The background refresh an identity source's builder was asked for: how often (a positive
 * interval, or the source's default), on which scheduler (default a daemon thread of its own),
 * or none at all when the owner refreshes by hand (tests). What the builders of {@link
 * PemIdentitySource} (polling) and {@link RotatingIdentity} (renewal checks) share.
 *
 * <p>Not thread-safe, like the builders that hold it.
 */
final class RefreshSchedule {
  private final String intervalName;
  private Duration interval;
  private ScheduledExecutorService scheduler;
  private boolean manual;

  /** A schedule whose interval is called {@code intervalName} in error messages. */
  RefreshSchedule(String intervalName) {
    this.intervalName = intervalName;
  }

  /** Sets the interval; refuses {@code null}, zero and negative durations, naming the setting. */
  void interval(Duration v) {
    Objects.requireNonNull(v, intervalName);
    if (v.isNegative() || v.isZero()) {
      throw new IllegalArgumentException(intervalName + ": " + v + " (expected: a positive duration)");
    }
    this.interval = v;
  }

  /** Runs the refresh on {@code v}, which is left running when the source closes. */
  void scheduler(ScheduledExecutorService v) {
    this.scheduler = Objects.requireNonNull(v, "scheduler");
  }

  /** No background refresh: the owner calls the source's refresh method. */
  void manual() {
    this.manual = true;
  }

  /**
   * Starts running {@code check} every interval set, or {@code defaultInterval} when none was;
   * {@code null} when the refresh is manual.
   */
  Refresher start(String threadName, Duration defaultInterval, Runnable check) {
    if (manual) {
      return null;
    }
    return Refresher.start(scheduler, threadName, interval != null ? interval : defaultInterval, check);
  }
}
