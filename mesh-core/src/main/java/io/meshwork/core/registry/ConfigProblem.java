package io.meshwork.core.registry;

import java.util.Objects;

/**
 * One thing wrong with a registry document, located precisely enough for a person to fix it
 * without guessing: the file, the line and column of the offending value, the field it is the
 * value of, and what was expected instead.
 *
 * <p>{@link #toString()} reads like a compiler error, e.g.
 * {@code mesh.yaml:12:7: services.greeter.client.timeout: '-2s' (expected: a duration such as
 * 250ms, ...)}, so that a list of problems can be logged as is.
 *
 * @param source the {@linkplain DocumentSource#name() name} of the document
 * @param line 1-based line of the offending value; 0 when unknown
 * @param column 1-based column of the offending value; 0 when unknown
 * @param field dotted path of the field from the document's root, list elements by 0-based
 *     index, e.g. {@code services.greeter.endpoints[1].weight}; empty when the problem is with
 *     the document as a whole (e.g. a YAML syntax error)
 * @param message what was found and what was expected, {@code value (expected: ...)}
 */
public record ConfigProblem(String source, int line, int column, String field, String message) {
  /** Line or column when the position is not known. */
  public static final int UNKNOWN = 0;

  /**
   * @throws NullPointerException if a string is null
   * @throws IllegalArgumentException if line or column is negative or the message is blank
   */
  public ConfigProblem {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(message, "message");
    if (line < 0 || column < 0) {
      throw new IllegalArgumentException(
          "position: " + line + ":" + column + " (expected: 1-based line and column, or 0 when unknown)");
    }
    if (message.isBlank()) {
      throw new IllegalArgumentException("message: '' (expected: what was wrong)");
    }
  }

  /** {@code source:line:column: field: message}, leaving out the parts that are unknown. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(source);
    if (line > 0) {
      b.append(':').append(line);
      if (column > 0) {
        b.append(':').append(column);
      }
    }
    b.append(": ");
    if (!field.isEmpty()) {
      b.append(field).append(": ");
    }
    return b.append(message).toString();
  }
}
