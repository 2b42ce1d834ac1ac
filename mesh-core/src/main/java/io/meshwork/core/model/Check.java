package io.meshwork.core.model;

import io.meshwork.core.internal.ConfigText;
import io.meshwork.core.internal.Durations;
import java.time.Duration;

/** Argument checks whose messages read {@code field: value (expected: ...)}. */
final class Check {
  private Check() {}

  static <T> T notNull(String field, T value) {
    if (value == null) {
      throw new IllegalArgumentException(field + ": null (expected: a value)");
    }
    return value;
  }

  static int range(String field, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          field + ": " + value + " (expected: " + min + " to " + max + ")");
    }
    return value;
  }

  static Duration positive(String field, Duration value) {
    notNull(field, value);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(
          field + ": " + Durations.format(value) + " (expected: a positive duration)");
    }
    return value;
  }

  static String nonBlank(String field, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + ": '" + value + "' (expected: a non-empty name)");
    }
    return value;
  }

  /**
   * A string of at most {@code maxLength} characters without control characters (line breaks,
   * tabs, NUL...); empty is allowed. The value is quoted back shortened, its control characters
   * escaped.
   */
  static String printable(String field, String value, int maxLength, String expected) {
    notNull(field, value);
    if (value.length() > maxLength) {
      throw new IllegalArgumentException(field + ": " + quote(value) + " (expected: " + expected + ", at most "
          + maxLength + " characters, not " + value.length() + ")");
    }
    if (value.codePoints().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(field + ": " + quote(value) + " (expected: " + expected
          + ", without control characters)");
    }
    return value;
  }

  /** {@code 'text'} for a message; see {@link ConfigText#quote}. */
  static String quote(String text) {
    return ConfigText.quote(text);
  }
}
