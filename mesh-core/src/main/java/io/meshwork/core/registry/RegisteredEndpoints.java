package io.meshwork.core.registry;

import io.meshwork.core.model.Endpoint;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

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
 *
 * <p>Public so that registry backends in other modules ({@code mesh-zookeeper}) merge and
 * write registrations exactly as {@link FileRegistry} does. Applications do not need it.
 */
public final class RegisteredEndpoints {
  private RegisteredEndpoints() {}

  /**
   * One registration: who made it (registrations of different owners never merge) and what.
   *
   * @param owner the registering process (or registry object); compared for equality only
   * @param endpoint the registered endpoint
   */
  public record Entry(String owner, Endpoint endpoint) {}

  /**
   * Merges the registrations of one service, given in registration order, by the rules above.
   *
   * @param entries the service's registrations, in registration order
   * @return the service's registered endpoints, in order
   */
  public static List<Endpoint> merge(List<Entry> entries) {
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

  /**
   * The endpoint as the YAML mapping registrations are stored as ({@code address, zone, weight,
   * labels}, or {@code address: <host>, ports: {...}} for named ports), which {@link
   * MeshDocumentParser#parseEndpoint} reads back.
   *
   * @param endpoint the endpoint to write
   * @return a UTF-8 YAML block mapping
   */
  public static String yaml(Endpoint endpoint) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (endpoint.ports().isEmpty()) {
      m.put("address", endpoint.address().toString());
    } else {
      String host = endpoint.address().host();
      m.put("address", host.indexOf(':') >= 0 ? "[" + host + "]" : host);
    }
    if (!endpoint.zone().isEmpty()) m.put("zone", endpoint.zone());
    m.put("weight", endpoint.weight());
    if (!endpoint.labels().isEmpty()) m.put("labels", new TreeMap<>(endpoint.labels()));
    if (!endpoint.ports().isEmpty()) m.put("ports", new LinkedHashMap<>(endpoint.ports()));
    DumpSettings settings = DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).build();
    return new Dump(settings).dumpToString(m);
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
