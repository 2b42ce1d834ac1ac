package io.meshwork.core.registry;

import io.meshwork.core.internal.Durations;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * The fields of one mapping of the document, read one by one with defaults.
 *
 * <p>Each accessor returns the field's value, or the default when the field is absent or null
 * ({@code timeout: ~} means "not set"). A value that cannot be read is recorded as a problem
 * and the default returned, so reading goes on and finds the other problems too;
 * {@link #failed()} then tells that the record must not be built (building it from defaults
 * could report problems that are not in the document).
 */
final class Fields {
  /** A model message: {@code field.path: value (expected: ...)}. */
  private static final Pattern MODEL_MESSAGE =
      Pattern.compile("([A-Za-z][A-Za-z0-9]*(?:\\.[A-Za-z][A-Za-z0-9]*)*): (.+)", Pattern.DOTALL);

  private final NodeReader reader;
  private final Node node;
  private final String path;
  private final Map<String, NodeTuple> entries;
  private final int problemsBefore;

  /**
   * @param problemsBefore the problem count before this mapping's keys were checked, so that
   *     duplicate and unknown keys count as failures of this mapping
   */
  Fields(NodeReader reader, Node node, String path, Map<String, NodeTuple> entries, int problemsBefore) {
    this.reader = reader;
    this.node = node;
    this.path = path;
    this.entries = entries;
    this.problemsBefore = problemsBefore;
  }

  /** The path of a field of this mapping. */
  String path(String key) {
    return NodeReader.child(path, key);
  }

  /** The field's value node, empty when absent or null. */
  Optional<Node> value(String key) {
    NodeTuple t = entries.get(key);
    if (t == null || NodeReader.isNull(t.getValueNode())) {
      return Optional.empty();
    }
    return Optional.of(t.getValueNode());
  }

  /** The node of the field's key, or the mapping when the field is absent: where it is written. */
  Node keyNode(String key) {
    NodeTuple t = entries.get(key);
    return t == null ? node : t.getKeyNode();
  }

  /** Whether the field is present with a non-null value. */
  boolean has(String key) {
    return value(key).isPresent();
  }

  /** Whether any problem was recorded for this mapping or anything read from it so far. */
  boolean failed() {
    return reader.problems().count() > problemsBefore;
  }

  /** Records that a required field is missing, at the mapping. */
  void missing(String key, String expected) {
    reader.problems().at(node, path(key), "missing (expected: " + expected + ")");
  }

  /** Records a problem at the field's value (or at the mapping when it is absent). */
  void problem(String key, String message) {
    NodeTuple t = entries.get(key);
    reader.problems().at(t == null ? node : t.getValueNode(), path(key), message);
  }

  int integer(String key, int fallback) {
    return value(key).flatMap(v -> reader.integer(v, path(key))).orElse(fallback);
  }

  double number(String key, double fallback) {
    return value(key).flatMap(v -> reader.number(v, path(key))).orElse(fallback);
  }

  boolean bool(String key, boolean fallback) {
    return value(key).flatMap(v -> reader.bool(v, path(key))).orElse(fallback);
  }

  String string(String key, String fallback) {
    return value(key).flatMap(v -> reader.text(v, path(key), "a string")).orElse(fallback);
  }

  Duration duration(String key, Duration fallback) {
    return optionalDuration(key).orElse(fallback);
  }

  Optional<Duration> optionalDuration(String key) {
    return value(key).flatMap(v -> reader.parsed(v, path(key),
        "a duration such as 250ms, 2s, 1m or 1h", Durations::parse));
  }

  /** A value parsed from text by a model parser (enums, addresses); see {@link NodeReader#parsed}. */
  <T> T parsed(String key, T fallback, String expected, Function<String, T> parser) {
    return value(key).flatMap(v -> reader.parsed(v, path(key), expected, parser)).orElse(fallback);
  }

  Map<String, String> stringMap(String key, String what, boolean lowerCaseKeys) {
    return value(key).flatMap(v -> reader.stringMap(v, path(key), what, lowerCaseKeys)).orElse(Map.of());
  }

  List<String> stringList(String key, String what, List<String> fallback) {
    return value(key).flatMap(v -> reader.stringList(v, path(key), what)).orElse(fallback);
  }

  /** A nested value read by {@code read}, which gets the value node and its path. */
  <T> T object(String key, T fallback, SubReader<T> read) {
    return value(key).flatMap(v -> read.read(v, path(key))).orElse(fallback);
  }

  /** Reads a nested value; returns empty after recording problems. */
  @FunctionalInterface
  interface SubReader<T> {
    Optional<T> read(Node node, String path);
  }

  /**
   * Builds the record of this mapping unless something failed. A model constructor's
   * {@link IllegalArgumentException} ({@code field: value (expected: ...)}) becomes a problem at
   * the field it names, located in this mapping when possible.
   *
   * @param modelPrefix the prefix the model puts on its field names for this record, such as
   *     {@code retries} in {@code retries.backoff.max}; empty when none
   */
  <T> Optional<T> build(String modelPrefix, Supplier<T> constructor) {
    if (failed()) {
      return Optional.empty();
    }
    try {
      return Optional.of(constructor.get());
    } catch (IllegalArgumentException e) {
      reportModelError(modelPrefix, String.valueOf(e.getMessage()));
      return Optional.empty();
    }
  }

  private void reportModelError(String modelPrefix, String message) {
    Matcher m = MODEL_MESSAGE.matcher(message);
    if (!m.matches()) {
      reader.problems().at(node, path, message);
      return;
    }
    String field = m.group(1);
    if (!modelPrefix.isEmpty() && field.startsWith(modelPrefix + ".")) {
      field = field.substring(modelPrefix.length() + 1);
    }
    Node at = node;
    for (String segment : field.split("\\.")) {
      if (!(at instanceof MappingNode)) {
        break;
      }
      Optional<Node> next = valueOf((MappingNode) at, segment);
      if (next.isEmpty()) {
        break;
      }
      at = next.get();
    }
    reader.problems().at(at, NodeReader.child(path, field), m.group(2));
  }

  private static Optional<Node> valueOf(MappingNode mapping, String key) {
    for (NodeTuple t : mapping.getValue()) {
      Node k = t.getKeyNode();
      if (k instanceof ScalarNode && ((ScalarNode) k).getValue().equals(key)) {
        return Optional.of(t.getValueNode());
      }
    }
    return Optional.empty();
  }
}
