package io.meshwork.benchmarks;

import io.meshwork.core.internal.SharedTimer;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the hard deadline of a mesh-http call costs: the watchdog's one task scheduled on the
 * process's deadline timer ({@code SharedTimer}) and cancelled when the call ends in time, with
 * the call's 10 s deadline still far away.
 *
 * <p>{@code scheduleAndCancel}: an idle process, nothing else pending; each new task is the
 * earliest, so scheduling it wakes the timer thread to wait for it (a futex wake-up per call).
 * {@code withOthersPending}: 1,000 calls in flight whose deadlines come earlier (as they do with
 * one timeout for all: a later call's deadline is later), so the timer thread sleeps on and the
 * call pays the heap's insertion and removal, O(log n).
 *
 * <p>{@code benchmarks/run.sh -- WatchdogBenchmark -t 1 -prof gc} (and {@code -t 2}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class WatchdogBenchmark {
  private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final Runnable CANCEL_CALL = () -> { };

  @State(Scope.Benchmark)
  public static class OthersPending {
    ScheduledFuture<?>[] others;

    @org.openjdk.jmh.annotations.Setup
    public void arm() {
      others = new ScheduledFuture<?>[1000];
      for (int i = 0; i < others.length; i++) {
        others[i] = SharedTimer.schedule(CANCEL_CALL, DEADLINE_NANOS / 2 + i);
      }
    }

    @org.openjdk.jmh.annotations.TearDown
    public void disarm() {
      for (ScheduledFuture<?> f : others) f.cancel(false);
    }
  }

  @Benchmark
  public boolean scheduleAndCancel() {
    return SharedTimer.schedule(CANCEL_CALL, DEADLINE_NANOS).cancel(false);
  }

  @Benchmark
  public boolean withOthersPending(OthersPending others) {
    return SharedTimer.schedule(CANCEL_CALL, DEADLINE_NANOS).cancel(false);
  }
}
