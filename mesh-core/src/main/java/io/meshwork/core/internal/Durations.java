package io.meshwork.core.internal;

import java.math.BigInteger;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as the registry document writes them: a whole number and a unit, {@code us},
 * {@code ms}, {@code s}, {@code m} or {@code h} ({@code 250ms}, {@code 2s}, {@code 1m}).
 */
public final class Durations {
  private static final Pattern FORMAT = Pattern.compile("(\\d{1,12})(us|ms|s|m|h)");
  /** The longest duration accepted: whole hours that fit {@link Duration#toNanos()} (about 292 years). */
  private static final Duration MAX = Duration.ofHours(Duration.ofNanos(Long.MAX_VALUE).toHours());
  private static final BigInteger NANOS_PER_SECOND = BigInteger.valueOf(1_000_000_000L);

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
    Duration d;
    switch (m.group(2)) {
      case "us": d = Duration.ofNanos(amount * 1_000); break;
      case "ms": d = Duration.ofMillis(amount); break;
      case "s": d = Duration.ofSeconds(amount); break;
      case "m": d = Duration.ofMinutes(amount); break;
      default: d = Duration.ofHours(amount); break;
    }
    // Longer durations overflow Duration.toNanos(), which timers and deadlines use.
    if (d.compareTo(MAX) > 0) {
      throw new IllegalArgumentException(
          "'" + text + "' (expected: a duration such as 250ms, 2s, 1m or 1h, at most " + MAX.toHours() + "h)");
    }
    return d;
  }

  /**
   * Formats a duration in the largest unit that represents it exactly (any duration, also
   * those too long for {@link Duration#toNanos()}).
   */
  public static String format(Duration d) {
    BigInteger signed = BigInteger.valueOf(d.getSeconds()).multiply(NANOS_PER_SECOND)
        .add(BigInteger.valueOf(d.getNano()));
    if (signed.signum() < 0) {
      return "-" + format(signed.negate());
    }
    return format(signed);
  }

  private static String format(BigInteger nanos) {
    if (nanos.signum() == 0) return "0ms";
    String[] units = {"h", "m", "s", "ms"};
    long[] sizes = {3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L};
    for (int i = 0; i < units.length; i++) {
      BigInteger[] qr = nanos.divideAndRemainder(BigInteger.valueOf(sizes[i]));
      if (qr[1].signum() == 0) return qr[0] + units[i];
    }
    return nanos.divide(BigInteger.valueOf(1_000)) + "us";
  }
}
