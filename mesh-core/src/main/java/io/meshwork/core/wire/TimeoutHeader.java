package io.meshwork.core.wire;

import java.time.Duration;

/**
 * The {@code mesh-timeout-ms} header: the caller's remaining deadline in whole milliseconds,
 * relative, so that clock skew between machines does not matter. Written by mesh clients on
 * every attempt; read by the inbound guard of mesh servers.
 *
 * <p>Grammar: 1 to 12 ASCII digits, nothing else (no sign, no spaces inside, no unit). Values
 * above {@link #MAX} are capped to it: a deadline days away is as good as none, and a peer must
 * not be able to overflow arithmetic with one.
 */
public final class TimeoutHeader {
  /** The header name (lower case, as HTTP/2 requires). */
  public static final String NAME = "mesh-timeout-ms";
  /** The largest deadline honoured: 24 hours. */
  public static final long MAX_MILLIS = Duration.ofHours(24).toMillis();
  /** {@link #MAX_MILLIS} as a duration. */
  public static final Duration MAX = Duration.ofMillis(MAX_MILLIS);

  private TimeoutHeader() {}

  /** The result of parsing: a value, or the reason it was refused. */
  public record Parsed(boolean valid, long millis, String problem) {
    static Parsed ok(long millis) {
      return new Parsed(true, millis, null);
    }

    static Parsed bad(String problem) {
      return new Parsed(false, 0, problem);
    }
  }

  /**
   * Parses a header value. Surrounding whitespace is tolerated (HTTP allows it); everything else
   * must be digits. Never throws.
   *
   * @return a valid result with the remaining milliseconds (0 means already expired, capped at
   *     {@link #MAX_MILLIS}), or an invalid one saying why
   */
  public static Parsed parse(String value) {
    if (value == null) {
      return Parsed.bad("missing");
    }
    String v = value.strip();
    int n = v.length();
    if (n == 0) {
      return Parsed.bad("empty (expected: milliseconds as 1 to 12 digits)");
    }
    if (n > 12) {
      return Parsed.bad("'" + abbreviate(v) + "' has " + n + " characters (expected: at most 12 digits)");
    }
    long ms = 0;
    for (int i = 0; i < n; i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') {
        return Parsed.bad("'" + abbreviate(v) + "' (expected: milliseconds as digits only)");
      }
      ms = ms * 10 + (c - '0');
    }
    return Parsed.ok(Math.min(ms, MAX_MILLIS));
  }

  /** Formats a remaining time; negative values are written as 0 (already expired). */
  public static String format(long remainingMillis) {
    return Long.toString(Math.max(0, Math.min(remainingMillis, MAX_MILLIS)));
  }

  static String abbreviate(String v) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < v.length() && i < 32; i++) {
      char c = v.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    if (v.length() > 32) b.append("...");
    return b.toString();
  }
}
