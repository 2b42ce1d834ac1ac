package io.meshwork.core.internal;

/**
 * How a configuration value is shown in an error message, the same way wherever the message is
 * made (the model's checks and the registry document's parser): quoted, shortened to
 * {@value #MAX_QUOTED_LENGTH} characters, with line breaks, tabs, control characters and
 * unpaired surrogates escaped, so that a hostile or binary value cannot break a log line.
 */
public final class ConfigText {
  /** Characters of a value shown before it is cut with an ellipsis. */
  public static final int MAX_QUOTED_LENGTH = 80;

  private ConfigText() {}

  /** {@code 'text'}, at most {@value #MAX_QUOTED_LENGTH} characters of it, escaped. */
  public static String quote(String text) {
    boolean shortened = text.length() > MAX_QUOTED_LENGTH;
    String t = shortened ? text.substring(0, MAX_QUOTED_LENGTH) : text;
    StringBuilder b = new StringBuilder("'");
    t.codePoints().forEach(cp -> {
      if (cp == '\n') {
        b.append("\\n");
      } else if (cp == '\t') {
        b.append("\\t");
      } else if (Character.isISOControl(cp) || Character.getType(cp) == Character.SURROGATE) {
        b.append(String.format("\\u%04x", cp));
      } else {
        b.appendCodePoint(cp);
      }
    });
    return b.append(shortened ? "…'" : "'").toString();
  }
}
