package io.meshwork.core.registry;

import io.meshwork.core.model.Endpoint;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges the registered endpoints of one service: registrations with named ports that come
 * from one owner (one process's registry) and have the same host become one endpoint holding
 * every named port, so that a process whose HTTP server registers {@code
 * Endpoint.ofPort(host, "http", 8080)} and whose gRPC server registers {@code
 * Endpoint.ofPort(host, "grpc", 9090)} is one endpoint {@code {http: 8080, grpc: 9090}}.
 *
 * <p>Rules, in registration order: an endpoint without named ports is never merged. One with
 * named ports joins the first endpoint already built from the same owner and host that names
 * none of its ports (two HTTP servers of one process on one host stay two endpoints);
 * otherwise it starts a new one. The merged endpoint keeps the first registration's zone
 * (or the first non-empty one) and weight, the union of the labels (earlier ones win) and the
 * ports in registration order. Which port is its {@link Endpoint#address() address} is decided
 * by the service's protocol ({@link io.meshwork.core.model.ServiceConfig}). Withdrawing a
 * registration simply leaves its ports out of the next merge; an endpoint whose ports are all
 * withdrawn is gone.
 */
final class RegisteredEndpoints {
  private RegisteredEndpoints() {}

  /** One registration: who made it (registrations of different owners never merge) and what. */
  record Entry(String owner, Endpoint endpoint) {}

  static List<Endpoint> merge(List<Entry> entries) {
    if (entries.isEmpty()) return List.of();
    List<Endpoint> out = new ArrayList<>(entries.size());
    Map<List<String>, List<Integer>> byOwnerAndHost = new HashMap<>();
    for (Entry entry : entries) {
      Endpoint e = entry.endpoint();
      if (e.ports().isEmpty()) {
        out.add(e);
        continue;
      }
      List<Integer> slots = byOwnerAndHost.computeIfAbsent(
          List.of(entry.owner(), e.address().host()), k -> new ArrayList<>());
      boolean merged = false;
      for (int slot : slots) {
        Endpoint into = out.get(slot);
        if (Collections.disjoint(into.ports().keySet(), e.ports().keySet())) {
          out.set(slot, join(into, e));
          merged = true;
          break;
        }
      }
      if (!merged) {
        slots.add(out.size());
        out.add(e);
      }
    }
    return out;
  }

  private static Endpoint join(Endpoint into, Endpoint e) {
    Map<String, Integer> ports = new LinkedHashMap<>(into.ports());
    ports.putAll(e.ports());
    Map<String, String> labels = new LinkedHashMap<>(e.labels());
    labels.putAll(into.labels());
    String zone = into.zone().isEmpty() ? e.zone() : into.zone();
    return new Endpoint(into.address(), zone, into.weight(), labels, ports);
  }
}
