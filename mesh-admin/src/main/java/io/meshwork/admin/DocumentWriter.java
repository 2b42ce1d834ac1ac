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

  /**
   * The name of the next member of the current object: a constant of the schema, plain ASCII
   * that needs no escaping (the JSON writer copies it as it is). Names that come from data
   * (labels, headers) go through {@link #key}.
   */
  DocumentWriter name(String name);

  /** The name of the next member, taken from data: escaped as any string. */
  DocumentWriter key(String key);

  /** A string, or {@code null} when {@code value} is null. */
  DocumentWriter value(String value);

  DocumentWriter value(long value);

  /** A number; {@code null} for NaN and infinities (JSON has neither). */
  DocumentWriter value(double value);

  DocumentWriter value(boolean value);

  DocumentWriter nullValue();
}
