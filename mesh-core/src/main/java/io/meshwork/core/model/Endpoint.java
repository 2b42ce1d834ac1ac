package io.meshwork.core.model;

import java.util.Map;

/**
 * One instance of a service.
 *
 * @param address where it listens
 * @param zone its zone (locality), or the empty string when unknown
 * @param weight its share in load balancing, 1 to {@value Defaults#MAX_WEIGHT}; default
 *     {@value Defaults#ENDPOINT_WEIGHT}
 * @param labels labels that routes select on, e.g. {@code version: v2}
 */
public record Endpoint(Address address, String zone, int weight, Map<String, String> labels) {
  public Endpoint {
    Check.notNull("address", address);
    zone = zone == null ? "" : zone;
    Check.range("weight", weight, 1, Defaults.MAX_WEIGHT);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  /** An endpoint with default zone, weight and labels. */
  public static Endpoint of(String address) {
    return new Endpoint(Address.parse(address), "", Defaults.ENDPOINT_WEIGHT, Map.of());
  }

  /** Whether every label in {@code selector} is present on this endpoint with that value. */
  public boolean matches(Map<String, String> selector) {
    for (Map.Entry<String, String> e : selector.entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) return false;
    }
    return true;
  }

  public Endpoint withZone(String newZone) {
    return new Endpoint(address, newZone, weight, labels);
  }

  public Endpoint withWeight(int newWeight) {
    return new Endpoint(address, zone, newWeight, labels);
  }

  public Endpoint withLabels(Map<String, String> newLabels) {
    return new Endpoint(address, zone, weight, newLabels);
  }
}
