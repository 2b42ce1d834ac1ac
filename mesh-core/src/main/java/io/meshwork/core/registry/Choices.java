package io.meshwork.core.registry;

import java.util.Arrays;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Parsers for enum values written by their document names, e.g. {@code strict}. */
final class Choices {
  private Choices() {}

  /**
   * A parser of the document names of {@code values}; it throws
   * {@code IllegalArgumentException("'text' (expected: a, b or c)")} for any other text, the
   * form {@link NodeReader#parsed} turns into a problem.
   */
  static <E> Function<String, E> parser(E[] values, Function<E, String> documentName) {
    return text -> {
      for (E v : values) {
        if (documentName.apply(v).equals(text)) {
          return v;
        }
      }
      throw new IllegalArgumentException("'" + text + "' (expected: " + list(values, documentName) + ")");
    };
  }

  /** {@code a, b or c}. */
  static <E> String list(E[] values, Function<E, String> documentName) {
    String all = Arrays.stream(values).map(documentName).collect(Collectors.joining(", "));
    int last = all.lastIndexOf(", ");
    return last < 0 ? all : all.substring(0, last) + " or " + all.substring(last + 2);
  }
}
