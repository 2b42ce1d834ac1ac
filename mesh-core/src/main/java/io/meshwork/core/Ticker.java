package io.meshwork.core;

/**
 * A source of monotonic nanoseconds. Every time-dependent rule of the engine (deadlines,
 * backoff, EWMA decay, ejection, retry budget, circuit breaker) reads time only from its
 * mesh's ticker, so tests drive them with a {@link io.meshwork.core.testing.FakeTicker}.
 */
@FunctionalInterface
public interface Ticker {
  /** Nanoseconds from an arbitrary origin; only differences mean anything. */
  long nanoTime();

  /** The system's monotonic clock, {@link System#nanoTime()}. */
  static Ticker system() {
    return System::nanoTime;
  }
}
