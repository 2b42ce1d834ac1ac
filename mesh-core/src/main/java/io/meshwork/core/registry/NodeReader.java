package io.meshwork.core.registry;

import io.meshwork.core.internal.Suggestions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads typed values out of SnakeYAML nodes, reporting every mismatch to {@link Problems} as
 * {@code value (expected: ...)} at the node's line and column.
 *
 * <p>Methods return {@link Optional#empty()} when the node is not what was asked for (after
 * recording the problem). Scalars are read from their text whatever their YAML tag or quoting,
 * so {@code weight: "10"} is a number and {@code version: 2} a string; only a plain
 * {@code null}, {@code ~} or empty value is null. Tags such as {@code !!binary} are ignored.
 */
final class NodeReader {
  private static final Pattern INTEGER = Pattern.compile("[-+]?[0-9]+");
  private static final Pattern NUMBER =
      Pattern.compile("[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?");

  private final Problems problems;

  NodeReader(Problems problems) {
    this.problems = problems;
  }

  Problems problems() {
    return problems;
  }

  /** Whether {@code node} is YAML's null: a plain {@code null}, {@code ~} or nothing. */
  static boolean isNull(Node node) {
    if (!(node instanceof ScalarNode)) {
      return false;
    }
    ScalarNode s = (ScalarNode) node;
    if (s.getScalarStyle() != ScalarStyle.PLAIN) {
      return false;
    }
    String v = s.getValue();
    return v.isEmpty() || v.equals("~") || v.equalsIgnoreCase("null");
  }

  /** {@code path.key}, or {@code key} at the root. */
  static String child(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** {@code path[index]}. */
  static String element(String path, int index) {
    return path + "[" + index + "]";
  }

  /** How a node is shown in a message: a quoted scalar, {@code null}, a mapping or a list. */
  static String describe(Node node) {
    if (node instanceof ScalarNode) {
      return isNull(node) ? "null" : quote(((ScalarNode) node).getValue());
    }
    return node instanceof MappingNode ? "a mapping" : "a list";
  }

  /** {@code 'text'} for a message; see {@link io.meshwork.core.internal.ConfigText#quote}. */
  static String quote(String text) {
    return io.meshwork.core.internal.ConfigText.quote(text);
  }

  /** The mapping {@code node} is, or a problem {@code ... (expected: <expected>)}. */
  Optional<MappingNode> mapping(Node node, String path, String expected) {
    if (node instanceof MappingNode) {
      return Optional.of((MappingNode) node);
    }
    problems.at(node, path, describe(node) + " (expected: " + expected + ")");
    return Optional.empty();
  }

  /** The list {@code node} is, or a problem. */
  Optional<SequenceNode> list(Node node, String path, String expected) {
    if (node instanceof SequenceNode) {
      return Optional.of((SequenceNode) node);
    }
    problems.at(node, path, describe(node) + " (expected: " + expected + ")");
    return Optional.empty();
  }

  /** The text of a non-null scalar, or a problem. */
  Optional<String> text(Node node, String path, String expected) {
    if (node instanceof ScalarNode && !isNull(node)) {
      return Optional.of(((ScalarNode) node).getValue());
    }
    problems.at(node, path, describe(node) + " (expected: " + expected + ")");
    return Optional.empty();
  }

  /** A whole number in the range of {@code int}; the model checks the field's own range. */
  Optional<Integer> integer(Node node, String path) {
    Optional<String> text = text(node, path, "a whole number");
    if (text.isEmpty()) {
      return Optional.empty();
    }
    String t = text.get().trim();
    if (!INTEGER.matcher(t).matches()) {
      problems.at(node, path, describe(node) + " (expected: a whole number)");
      return Optional.empty();
    }
    String digits = t.replaceFirst("^[-+]?0*", "");
    long value = digits.length() > 10 ? Long.MAX_VALUE : Long.parseLong(t);
    if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
      problems.at(node, path, describe(node) + " (expected: a whole number from "
          + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE + ")");
      return Optional.empty();
    }
    return Optional.of((int) value);
  }

  /** A finite decimal number such as {@code 0.2}. */
  Optional<Double> number(Node node, String path) {
    Optional<String> text = text(node, path, "a number such as 0.2");
    if (text.isEmpty()) {
      return Optional.empty();
    }
    String t = text.get().trim();
    if (NUMBER.matcher(t).matches()) {
      double value = Double.parseDouble(t);
      if (Double.isFinite(value)) {
        return Optional.of(value);
      }
    }
    problems.at(node, path, describe(node) + " (expected: a number such as 0.2)");
    return Optional.empty();
  }

  /** {@code true} or {@code false} (any case). */
  Optional<Boolean> bool(Node node, String path) {
    Optional<String> text = text(node, path, "true or false");
    if (text.isEmpty()) {
      return Optional.empty();
    }
    String t = text.get().trim().toLowerCase(Locale.ROOT);
    if (t.equals("true") || t.equals("false")) {
      return Optional.of(t.equals("true"));
    }
    problems.at(node, path, describe(node) + " (expected: true or false)");
    return Optional.empty();
  }

  /**
   * A value parsed from a scalar's text by a model parser such as
   * {@link io.meshwork.core.internal.Durations#parse}, whose {@link IllegalArgumentException}
   * message {@code 'text' (expected: ...)} becomes the problem (with the value shortened).
   */
  <T> Optional<T> parsed(Node node, String path, String expected, Function<String, T> parser) {
    Optional<String> text = text(node, path, expected);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(parser.apply(text.get()));
    } catch (IllegalArgumentException e) {
      problems.at(node, path, describe(node) + " " + expectedPart(e.getMessage(), expected));
      return Optional.empty();
    }
  }

  /** The {@code (expected: ...)} part of a model message, or one made of {@code fallback}. */
  static String expectedPart(String message, String fallback) {
    int at = message == null ? -1 : message.lastIndexOf("(expected: ");
    return at >= 0 ? message.substring(at) : "(expected: " + fallback + ")";
  }

  /**
   * The entries of a mapping by key text, in document order. A key given twice is a problem at
   * the second occurrence (the first is kept); a key that is not a non-empty scalar is a
   * problem too, and left out.
   */
  Map<String, NodeTuple> entries(MappingNode node, String path) {
    Map<String, NodeTuple> entries = new LinkedHashMap<>();
    for (NodeTuple tuple : node.getValue()) {
      Node key = tuple.getKeyNode();
      if (!(key instanceof ScalarNode) || isNull(key)) {
        problems.at(key, path, describe(key) + " (expected: a key that is a name)");
        continue;
      }
      String name = ((ScalarNode) key).getValue();
      NodeTuple first = entries.putIfAbsent(name, tuple);
      if (first != null) {
        problems.at(key, child(path, name), quote(name) + " (expected: each key once in a mapping; first at line "
            + line(first.getKeyNode()) + ")");
      }
    }
    return entries;
  }

  /** 1-based line of a node, 0 when unknown. */
  static int line(Node node) {
    return node.getStartMark().map(m -> m.getLine() + 1).orElse(ConfigProblem.UNKNOWN);
  }

  /** 1-based column of a node, 0 when unknown. */
  static int column(Node node) {
    return node.getStartMark().map(m -> m.getColumn() + 1).orElse(ConfigProblem.UNKNOWN);
  }

  /**
   * The fields of a mapping that may hold only {@code known} keys; an unknown key is a problem
   * at that key, with a suggestion when it is close to a known one.
   */
  Fields fields(MappingNode node, String path, List<String> known) {
    int before = problems.count();
    Map<String, NodeTuple> entries = entries(node, path);
    Set<String> knownSet = Set.copyOf(known);
    for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
      if (!knownSet.contains(e.getKey())) {
        String hint = Suggestions.closest(e.getKey(), known).map(s -> "; did you mean " + s + "?").orElse("");
        problems.at(e.getValue().getKeyNode(), child(path, e.getKey()),
            quote(e.getKey()) + " (expected: one of " + String.join(", ", known) + hint + ")");
      }
    }
    return new Fields(this, node, path, entries, before);
  }

  /** The mapping's fields when {@code node} is a mapping (or empty fields for null). */
  Optional<Fields> fields(Node node, String path, List<String> known, String expected) {
    if (isNull(node)) {
      return Optional.of(new Fields(this, node, path, Map.of(), problems.count()));
    }
    return mapping(node, path, expected).map(m -> fields(m, path, known));
  }

  /**
   * A mapping of non-empty names to string values, such as labels; with
   * {@code lowerCaseKeys}, names are lower-cased and two names differing only in case are a
   * problem.
   */
  Optional<Map<String, String>> stringMap(Node node, String path, String what, boolean lowerCaseKeys) {
    if (isNull(node)) {
      return Optional.of(Map.of());
    }
    Optional<MappingNode> mapping = mapping(node, path, "a mapping of " + what + " to values");
    if (mapping.isEmpty()) {
      return Optional.empty();
    }
    int before = problems.count();
    Map<String, String> result = new LinkedHashMap<>();
    for (Map.Entry<String, NodeTuple> e : entries(mapping.get(), path).entrySet()) {
      String name = lowerCaseKeys ? e.getKey().toLowerCase(Locale.ROOT) : e.getKey();
      Node keyNode = e.getValue().getKeyNode();
      String fieldPath = child(path, e.getKey());
      if (name.isBlank()) {
        problems.at(keyNode, path, quote(name) + " (expected: a non-empty " + singular(what) + ")");
        continue;
      }
      Optional<String> value = text(e.getValue().getValueNode(), fieldPath, "a string");
      if (value.isPresent() && result.putIfAbsent(name, value.get()) != null) {
        problems.at(keyNode, fieldPath, quote(e.getKey()) + " (expected: each " + singular(what)
            + " once, whatever its case)");
      }
    }
    return problems.count() > before ? Optional.empty() : Optional.of(result);
  }

  private static String singular(String plural) {
    return plural.endsWith("s") ? plural.substring(0, plural.length() - 1) : plural;
  }

  /** A list of strings. */
  Optional<List<String>> stringList(Node node, String path, String what) {
    if (isNull(node)) {
      return Optional.of(List.of());
    }
    Optional<SequenceNode> seq = list(node, path, "a list of " + what);
    if (seq.isEmpty()) {
      return Optional.empty();
    }
    int before = problems.count();
    List<String> result = new ArrayList<>();
    List<Node> items = seq.get().getValue();
    for (int i = 0; i < items.size(); i++) {
      text(items.get(i), element(path, i), "a string").ifPresent(result::add);
    }
    return problems.count() > before ? Optional.empty() : Optional.of(result);
  }
}
