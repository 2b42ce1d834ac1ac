package io.meshwork.core.model;

import java.util.List;
import java.util.Map;

/**
 * A routing rule. Routes are tried in order; the first whose {@code matchHeaders} all match
 * the request (exact, header names case-insensitive) decides the subset of endpoints by its
 * {@code split}. A request that no route matches may use every endpoint.
 *
 * @param name a name for metrics and logs (bounded cardinality); default {@code route-N}
 * @param matchHeaders header name (lower case) to exact value; empty matches every request
 * @param split targets with weights; a single {@code to:} is a split of one with weight 1
 */
public record Route(String name, Map<String, String> matchHeaders, List<WeightedTarget> split) {
  public Route {
    Check.nonBlank("route.name", name);
    matchHeaders = matchHeaders == null ? Map.of() : Map.copyOf(matchHeaders);
    for (String h : matchHeaders.keySet()) {
      if (!h.equals(h.toLowerCase(java.util.Locale.ROOT))) {
        throw new IllegalArgumentException("match.headers: '" + h + "' (expected: a lower-case header name)");
      }
    }
    split = List.copyOf(Check.notNull("split", split));
    if (split.isEmpty()) {
      throw new IllegalArgumentException("split: [] (expected: at least one target)");
    }
    if (split.stream().mapToInt(WeightedTarget::weight).sum() <= 0) {
      throw new IllegalArgumentException("split: all weights are 0 (expected: at least one positive weight)");
    }
  }

  /** A route that sends matching requests to the endpoints matching {@code to}. */
  public static Route to(String name, Map<String, String> matchHeaders, Map<String, String> to) {
    return new Route(name, matchHeaders, List.of(new WeightedTarget(to, 1)));
  }
}
