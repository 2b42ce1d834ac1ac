package io.meshwork.admin;

/**
 * A small JSON text writer into a {@link StringBuilder}: no reflection, no intermediate tree, no
 * per-value allocation except what {@link StringBuilder#append(double)} needs. It writes what it
 * is told in order and checks nothing beyond escaping. {@link MeshState}, {@link MeshView} and the event stream's
 * frames ({@link AdminEvents}) write with it.
 *
 * <p>Strings are escaped as RFC 8259 requires (quote, backslash, control characters), plus
 * U+2028 and U+2029 so the text is also safe inside a script. Doubles that are NaN or infinite
 * are written as {@code null}.
 */
final class Json implements DocumentWriter {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final StringBuilder out;
  /** Whether the next value or name needs a comma before it. */
  private boolean comma;

  Json(StringBuilder out) {
    this.out = out;
  }

  /** The text written so far. */
  StringBuilder text() {
    return out;
  }

  @Override
  public Json beginObject() {
    separate();
    out.append('{');
    comma = false;
    return this;
  }

  @Override
  public Json endObject() {
    out.append('}');
    comma = true;
    return this;
  }

  @Override
  public Json beginArray() {
    separate();
    out.append('[');
    comma = false;
    return this;
  }

  @Override
  public Json endArray() {
    out.append(']');
    comma = true;
    return this;
  }

  @Override
  public Json name(String name) {
    separate();
    out.append('"').append(name).append("\":");
    comma = false;
    return this;
  }

  @Override
  public Json key(String key) {
    separate();
    string(key);
    out.append(':');
    comma = false;
    return this;
  }

  @Override
  public Json value(String value) {
    separate();
    if (value == null) {
      out.append("null");
    } else {
      string(value);
    }
    comma = true;
    return this;
  }

  @Override
  public Json value(long value) {
    separate();
    out.append(value);
    comma = true;
    return this;
  }

  @Override
  public Json value(double value) {
    separate();
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      out.append("null");
    } else {
      decimal(value);
    }
    comma = true;
    return this;
  }

  /** The largest magnitude written with fixed decimals; larger ones go through the JDK. */
  private static final double FIXED_LIMIT = 1e11;

  /**
   * A finite double rounded to {@value #DECIMALS} decimals ({@link #round}), as the shortest
   * text that reads back as that rounded double, always with a fraction ({@code 1.0}) so readers
   * keep it a floating-point number. Written by hand: {@code StringBuilder.append(double)} costs
   * several hundred nanoseconds on Java 17, which made it most of a large document's cost.
   */
  private void decimal(double value) {
    if (Math.abs(value) >= FIXED_LIMIT) {
      out.append(value);
      return;
    }
    // The same rounding as round(value), from the same long: the text reads back as round(value).
    long scaled = Math.round(value * SCALE);
    if (scaled < 0) {
      out.append('-');
      scaled = -scaled;
    }
    long whole = scaled / SCALE;
    int fraction = (int) (scaled - whole * SCALE);
    out.append(whole).append('.');
    if (fraction == 0) {
      out.append('0');
      return;
    }
    // Four digits, leading zeros kept, trailing zeros dropped.
    int d1 = fraction / 1000;
    int d2 = fraction / 100 % 10;
    int d3 = fraction / 10 % 10;
    int d4 = fraction % 10;
    out.append((char) ('0' + d1));
    if ((d2 | d3 | d4) == 0) return;
    out.append((char) ('0' + d2));
    if ((d3 | d4) == 0) return;
    out.append((char) ('0' + d3));
    if (d4 != 0) out.append((char) ('0' + d4));
  }

  /** Decimals kept in numbers: enough for microseconds in milliseconds and 99.99% in shares. */
  static final int DECIMALS = 4;
  private static final long SCALE = 10_000;

  /** {@code value} rounded to {@value #DECIMALS} decimals, as both writers carry it. */
  static double round(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value) || Math.abs(value) >= FIXED_LIMIT) return value;
    long scaled = Math.round(value * SCALE);
    return scaled == 0 ? 0.0 : scaled / (double) SCALE;
  }



  @Override
  public Json value(boolean value) {
    separate();
    out.append(value);
    comma = true;
    return this;
  }

  @Override
  public Json nullValue() {
    separate();
    out.append("null");
    comma = true;
    return this;
  }

  private void separate() {
    if (comma) out.append(',');
  }

  private void string(String s) {
    int n = s.length();
    int i = 0;
    // Most strings (all member names, addresses, service names) need no escape: one scan, one copy.
    while (i < n && plain(s.charAt(i))) i++;
    out.append('"');
    if (i == n) {
      out.append(s).append('"');
      return;
    }
    out.append(s, 0, i);
    int run = i;
    for (; i < n; i++) {
      char c = s.charAt(i);
      if (plain(c)) continue;
      out.append(s, run, i);
      run = i + 1;
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> out.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf])
            .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
      }
    }
    out.append(s, run, n).append('"');
  }

  private static boolean plain(char c) {
    return c >= 0x20 && c != '"' && c != '\\' && c != '\u2028' && c != '\u2029';
  }
}
