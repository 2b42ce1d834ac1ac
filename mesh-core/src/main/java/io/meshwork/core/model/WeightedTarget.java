package io.meshwork.core.model;

import java.util.Map;

/**
 * One leg of a weighted split: the endpoints whose labels match {@code to} get {@code weight}
 * parts of the traffic.
 *
 * @param to label selector; empty selects every endpoint
 * @param weight 0 to {@value Defaults#MAX_WEIGHT}
 */
public record WeightedTarget(Map<String, String> to, int weight) {
  public WeightedTarget {
    to = to == null ? Map.of() : Map.copyOf(to);
    Check.range("weight", weight, 0, Defaults.MAX_WEIGHT);
  }
}
