package io.meshwork.admin;

/**
 * Where {@link MeshState} writes its document: as JSON text ({@link Json}) or as a tree of maps
 * and lists ({@link TreeWriter}). One writing routine feeds both, so the text and the tree cannot
 * drift apart.
 *
 * <p>Calls follow JSON's grammar: inside an object every value is preceded by {@link #name}.
 * Not thread-safe: one writer per document.
 */
interface DocumentWriter {
  DocumentWriter beginObject();

  DocumentWriter endObject();

  DocumentWriter beginArray();

  DocumentWriter endArray();

  /** The name of the next member of the current object. */
  DocumentWriter name(String name);

  /** A string, or {@code null} when {@code value} is null. */
  DocumentWriter value(String value);

  DocumentWriter value(long value);

  /** A number; {@code null} for NaN and infinities (JSON has neither). */
  DocumentWriter value(double value);

  DocumentWriter value(boolean value);

  DocumentWriter nullValue();
}
