package io.meshwork.core.internal;

import io.meshwork.core.Ticker;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A {@link Clock} driven by a {@link Ticker}, for libraries that take a clock (Resilience4j):
 * with a fake ticker, their time rules move with the test's time. Instants start at the epoch
 * plus the ticker's reading; only differences mean anything.
 */
final class TickerClock extends Clock {
  private final Ticker ticker;

  TickerClock(Ticker ticker) {
    this.ticker = ticker;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public long millis() {
    return Math.floorDiv(ticker.nanoTime(), 1_000_000L);
  }

  @Override
  public Instant instant() {
    long n = ticker.nanoTime();
    return Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000_000L), Math.floorMod(n, 1_000_000_000L));
  }
}
