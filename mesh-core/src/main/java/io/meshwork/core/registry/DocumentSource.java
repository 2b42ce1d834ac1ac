package io.meshwork.core.registry;

import java.util.Objects;

/**
 * The text of one registry document and the name it is reported under.
 *
 * <p>The parser never reads files itself: a registry reads the bytes (and decides how to decode
 * and when to re-read them) and hands the text over with a name, so that every problem in a bad
 * document can point at {@code name:line:column}.
 *
 * @param name where the text came from, as problems should name it: a file path, or
 *     {@value #MEMORY} for text that never was a file
 * @param text the YAML text; may be empty (an empty document)
 */
public record DocumentSource(String name, String text) {
  /** The name of a document that was given as text rather than read from a file. */
  public static final String MEMORY = "<memory>";

  /**
   * @throws NullPointerException if {@code name} or {@code text} is null
   */
  public DocumentSource {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(text, "text");
  }
}
