package io.meshwork.admin;

/**
 * A small JSON text writer into a {@link StringBuilder}: no reflection, no intermediate tree, no
 * per-value allocation except what {@link StringBuilder#append(double)} needs. It writes what it
 * is told in order and checks nothing beyond escaping; {@link MeshState} is its only author.
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
    string(name);
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
      out.append(value);
    }
    comma = true;
    return this;
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
    out.append('"');
    int n = s.length();
    int run = 0;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c != '"' && c != '\\' && c != '\u2028' && c != '\u2029') continue;
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

  /** {@code s} as a JSON string literal, quotes included. */
  static String quote(String s) {
    Json j = new Json(new StringBuilder(s.length() + 2));
    j.string(s);
    return j.out.toString();
  }
}
