package io.meshwork.admin;

import java.time.Duration;

/** Durations in the registry document's form: the largest unit that is exact ({@code 2s}, {@code 250ms}). */
final class DurationText {
  private DurationText() {}

  /** {@code d} as {@code 1h}, {@code 2m}, {@code 30s}, {@code 250ms} or {@code 1500us}; null for null. */
  static String format(Duration d) {
    if (d == null) return null;
    if (d.isNegative()) return "-" + format(d.negated());
    if (d.isZero()) return "0ms";
    if (d.getNano() == 0) {
      long s = d.getSeconds();
      if (s % 3600 == 0) return s / 3600 + "h";
      if (s % 60 == 0) return s / 60 + "m";
      return s + "s";
    }
    if (d.getNano() % 1_000_000 == 0) return d.toMillis() + "ms";
    return d.toNanos() / 1_000 + "us";
  }
}
