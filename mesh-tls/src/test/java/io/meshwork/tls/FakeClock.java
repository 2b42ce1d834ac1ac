package io.meshwork.tls;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicReference;

/** A clock that moves only when told to. Thread-safe. Starts at the current second. */
final class FakeClock extends Clock {
  private final AtomicReference<Instant> now;

  FakeClock() {
    this(Instant.now().truncatedTo(ChronoUnit.SECONDS));
  }

  FakeClock(Instant start) {
    this.now = new AtomicReference<>(start);
  }

  FakeClock advance(Duration d) {
    now.updateAndGet(t -> t.plus(d));
    return this;
  }

  @Override
  public Instant instant() {
    return now.get();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
