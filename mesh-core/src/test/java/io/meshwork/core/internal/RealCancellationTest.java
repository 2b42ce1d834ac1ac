package io.meshwork.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.Cancellation;
import io.meshwork.core.Deadline;
import io.meshwork.core.MeshContext;
import io.meshwork.core.Subscription;
import io.meshwork.core.testing.FakeTicker;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** An inbound request's cancellation signal, on a fake ticker. */
class RealCancellationTest {
  private final FakeTicker ticker = new FakeTicker();
  private final Deadline deadline = Deadline.after(Duration.ofMillis(300), ticker);
  private final RealCancellation cancellation = new RealCancellation(deadline, ticker);
  private final AtomicInteger runs = new AtomicInteger();

  @Test
  void pollingSaysCancelledExactlyWhenTheDeadlineHasPassedOnTheMeshsTicker() {
    assertThat(cancellation.isCancelled()).isFalse();
    ticker.advanceMillis(299);
    assertThat(cancellation.isCancelled()).isFalse();
    ticker.advanceMillis(1);
    assertThat(cancellation.isCancelled()).isTrue();
  }

  @Test
  void aListenerAddedAfterTheDeadlineRunsAtOnceOnTheCallersThread() {
    ticker.advanceMillis(301);
    Thread caller = Thread.currentThread();
    AtomicInteger onCaller = new AtomicInteger();
    cancellation.onCancelled(() -> onCaller.addAndGet(Thread.currentThread() == caller ? 1 : 100));
    assertThat(onCaller).hasValue(1);
  }

  @Test
  void cancellingRunsEachListenerOnceAndRemovesTheTimerTask() {
    int before = SharedTimer.queued();
    cancellation.onCancelled(runs::incrementAndGet);
    cancellation.onCancelled(runs::incrementAndGet);
    assertThat(SharedTimer.queued()).as("one timer task for the request, however many listeners").isEqualTo(before + 1);
    cancellation.cancel();
    cancellation.cancel();
    assertThat(runs).hasValue(2);
    assertThat(cancellation.isCancelled()).as("cancelled before its deadline (the client went away)").isTrue();
    assertThat(SharedTimer.queued()).isEqualTo(before);
  }

  @Test
  void aRequestThatEndsInTimeNeverRunsItsListenersAndLeavesNoTimerTask() {
    int before = SharedTimer.queued();
    cancellation.onCancelled(runs::incrementAndGet);
    cancellation.end();
    assertThat(SharedTimer.queued()).isEqualTo(before);
    cancellation.cancel();
    ticker.advanceMillis(1000);
    cancellation.run(); // a timer task that had already started
    assertThat(runs).hasValue(0);
    assertThat(cancellation.onCancelled(runs::incrementAndGet)).isNotNull();
    assertThat(runs).hasValue(0);
  }

  @Test
  void aTimerThatFiresBeforeTheFakeTickerReachesTheDeadlineWaitsForIt() {
    cancellation.onCancelled(runs::incrementAndGet);
    cancellation.run(); // the system clock's 300 ms passed, the ticker's did not
    assertThat(runs).hasValue(0);
    ticker.advanceMillis(300);
    cancellation.run();
    assertThat(runs).hasValue(1);
  }

  @Test
  void aRemovedListenerDoesNotRunAndAFailingOneDoesNotStopTheOthers() {
    Subscription removed = cancellation.onCancelled(runs::incrementAndGet);
    cancellation.onCancelled(() -> {
      throw new IllegalStateException("a listener's bug");
    });
    cancellation.onCancelled(() -> runs.addAndGet(10));
    removed.close();
    cancellation.cancel();
    assertThat(runs).hasValue(10);
  }

  @Test
  void outsideAnInboundRequestTheSignalIsNeverCancelled() {
    Cancellation none = MeshContext.cancellation(Context.root());
    assertThat(none.isCancelled()).isFalse();
    assertThat(none.deadline()).isNull();
    none.onCancelled(runs::incrementAndGet).close();
    assertThat(runs).hasValue(0);
    assertThat(MeshContext.cancellation(cancellation.storeIn(Context.root()))).isSameAs(cancellation);
  }
}
