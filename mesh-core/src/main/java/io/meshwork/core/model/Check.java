package io.meshwork.core.model;

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
}
