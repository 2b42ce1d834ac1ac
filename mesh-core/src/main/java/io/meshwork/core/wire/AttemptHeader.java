package io.meshwork.core.wire;

/**
 * The {@code mesh-attempt} header: sent on retries with the attempt number (2 for the first
 * retry), so a server can tell a retry from a first try. Absent on first attempts.
 */
public final class AttemptHeader {
  /** The header name. */
  public static final String NAME = "mesh-attempt";
  /** Attempt numbers above this are absurd (policies allow at most 10) and refused. */
  public static final int MAX = 100;

  private AttemptHeader() {}

  /** The attempt number in {@code value}, or 0 when it is absent or malformed. Never throws. */
  public static int parse(String value) {
    if (value == null) return 0;
    String v = value.strip();
    if (v.isEmpty() || v.length() > 3) return 0;
    int n = 0;
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') return 0;
      n = n * 10 + (c - '0');
    }
    return n >= 1 && n <= MAX ? n : 0;
  }
}
