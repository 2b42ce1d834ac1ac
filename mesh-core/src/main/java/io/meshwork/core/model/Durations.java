package io.meshwork.core.model;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as the registry document writes them: a whole number and a unit, {@code us},
 * {@code ms}, {@code s}, {@code m} or {@code h} ({@code 250ms}, {@code 2s}, {@code 1m}).
 */
public final class Durations {
  private static final Pattern FORMAT = Pattern.compile("(\\d{1,12})(us|ms|s|m|h)");

  private Durations() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException naming the text and the accepted form
   */
  public static Duration parse(String text) {
    Matcher m = FORMAT.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' (expected: a duration such as 250ms, 2s, 1m or 1h; negative values are not allowed)");
    }
    long amount = Long.parseLong(m.group(1));
    switch (m.group(2)) {
      case "us": return Duration.ofNanos(amount * 1_000);
      case "ms": return Duration.ofMillis(amount);
      case "s": return Duration.ofSeconds(amount);
      case "m": return Duration.ofMinutes(amount);
      default: return Duration.ofHours(amount);
    }
  }

  /** Formats a duration in the largest unit that represents it exactly. */
  public static String format(Duration d) {
    if (d.isNegative()) {
      return "-" + format(d.negated());
    }
    long nanos = d.toNanos();
    if (nanos == 0) return "0ms";
    if (nanos % 3_600_000_000_000L == 0) return nanos / 3_600_000_000_000L + "h";
    if (nanos % 60_000_000_000L == 0) return nanos / 60_000_000_000L + "m";
    if (nanos % 1_000_000_000L == 0) return nanos / 1_000_000_000L + "s";
    if (nanos % 1_000_000L == 0) return nanos / 1_000_000L + "ms";
    return nanos / 1_000 + "us";
  }
}
