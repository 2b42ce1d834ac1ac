package io.meshwork.core.registry;

import io.meshwork.core.model.Defaults;
import io.meshwork.core.model.Route;
import io.meshwork.core.model.WeightedTarget;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads {@code client.routes}: a list of rules, each with an optional {@code name} (default
 * {@code route-N}, counting from 1), an optional {@code match: { headers: {...} }} (header names
 * lower-cased) and exactly one of {@code to:} (a label selector) or {@code split:} (weighted
 * label selectors).
 */
final class RouteReader {
  private static final List<String> FIELDS = List.of("name", "match", "to", "split");
  private static final List<String> MATCH_FIELDS = List.of("headers");
  private static final List<String> TARGET_FIELDS = List.of("to", "weight");
  private static final String DEFAULT_NAME_PREFIX = "route-";

  private final NodeReader reader;

  RouteReader(NodeReader reader) {
    this.reader = reader;
  }

  /** The routes written at {@code node}, in order, or empty after recording problems. */
  Optional<List<Route>> read(Node node, String path) {
    Optional<SequenceNode> seq = reader.list(node, path, "a list of routes");
    if (seq.isEmpty()) {
      return Optional.empty();
    }
    int before = reader.problems().count();
    List<Route> result = new ArrayList<>();
    Map<String, Node> names = new HashMap<>();
    List<Node> items = seq.get().getValue();
    for (int i = 0; i < items.size(); i++) {
      String itemPath = NodeReader.element(path, i);
      if (NodeReader.isNull(items.get(i))) {
        reader.problems().at(items.get(i), itemPath, "null (expected: a route with either to or split)");
        continue;
      }
      Optional<Fields> fields = reader.fields(items.get(i), itemPath, FIELDS,
          "a route: a mapping with name, match and either to or split");
      if (fields.isEmpty()) {
        continue;
      }
      Fields f = fields.get();
      Optional<Route> route = route(f, DEFAULT_NAME_PREFIX + (i + 1));
      if (route.isEmpty()) {
        continue;
      }
      Node first = names.putIfAbsent(route.get().name(), f.keyNode("name"));
      if (first != null) {
        f.problem("name", NodeReader.quote(route.get().name()) + " (expected: a name no other route has;"
            + " also used at line " + NodeReader.line(first) + ")");
      } else {
        result.add(route.get());
      }
    }
    return reader.problems().count() > before ? Optional.empty() : Optional.of(result);
  }

  private Optional<Route> route(Fields f, String defaultName) {
    String name = f.string("name", defaultName);
    Map<String, String> headers = f.object("match", Map.of(), this::match);
    List<WeightedTarget> split = new ArrayList<>();
    if (f.has("to") && f.has("split")) {
      f.problem("split", "both to and split (expected: exactly one of to or split)");
    } else if (f.has("to")) {
      split.add(new WeightedTarget(f.stringMap("to", "label names", false), 1));
    } else if (f.has("split")) {
      split.addAll(f.object("split", List.of(), this::split));
    } else {
      f.missing("to", "either to, a label selector such as { version: v2 }, or split");
    }
    return f.build("route", () -> new Route(name, headers, split));
  }

  private Optional<Map<String, String>> match(Node node, String path) {
    return reader.fields(node, path, MATCH_FIELDS, "a mapping with headers")
        .map(f -> f.stringMap("headers", "header names", true));
  }

  private Optional<List<WeightedTarget>> split(Node node, String path) {
    Optional<SequenceNode> seq = reader.list(node, path, "a list of { to: {labels}, weight: n }");
    if (seq.isEmpty()) {
      return Optional.empty();
    }
    int before = reader.problems().count();
    List<WeightedTarget> result = new ArrayList<>();
    List<Node> items = seq.get().getValue();
    for (int i = 0; i < items.size(); i++) {
      String itemPath = NodeReader.element(path, i);
      Node item = items.get(i);
      if (NodeReader.isNull(item)) {
        reader.problems().at(item, itemPath, "null (expected: { to: {labels}, weight: n })");
        continue;
      }
      reader.mapping(item, itemPath, "{ to: {labels}, weight: n }")
          .map(m -> reader.fields(m, itemPath, TARGET_FIELDS))
          .flatMap(this::target)
          .ifPresent(result::add);
    }
    return reader.problems().count() > before ? Optional.empty() : Optional.of(result);
  }

  private Optional<WeightedTarget> target(Fields f) {
    Map<String, String> to = f.stringMap("to", "label names", false);
    if (!f.has("weight")) {
      f.missing("weight", "a weight from 0 to " + Defaults.MAX_WEIGHT);
    }
    int weight = f.integer("weight", 0);
    return f.build("", () -> new WeightedTarget(to, weight));
  }
}
