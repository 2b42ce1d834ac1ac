package io.meshwork.meshctl;

import io.meshwork.core.model.Address;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.MeshDocument;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.ServiceConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What changes between two documents, one line per service: {@code added: payments},
 * {@code removed: legacy}, {@code changed: greeter (endpoints +1 -0 ~1, routes)}, and
 * {@code changed: mesh settings (tls)}. Documents are compared as parsed, so comments,
 * formatting and defaults written out make no change.
 */
final class DocumentDiff {
  private DocumentDiff() {}

  /** The lines, empty when the documents are equal. */
  static List<String> lines(MeshDocument before, MeshDocument after) {
    List<String> lines = new ArrayList<>();
    if (!before.mesh().equals(after.mesh())) {
      lines.add("changed: mesh settings (" + String.join(", ", meshChanges(before.mesh(), after.mesh())) + ")");
    }
    for (String name : after.services().keySet()) {
      if (!before.services().containsKey(name)) lines.add("added: " + name);
    }
    for (String name : before.services().keySet()) {
      if (!after.services().containsKey(name)) lines.add("removed: " + name);
    }
    for (Map.Entry<String, ServiceConfig> e : after.services().entrySet()) {
      ServiceConfig old = before.services().get(e.getKey());
      if (old != null && !old.equals(e.getValue())) {
        lines.add("changed: " + e.getKey() + " (" + String.join(", ", serviceChanges(old, e.getValue())) + ")");
      }
    }
    return lines;
  }

  private static List<String> meshChanges(MeshSettings a, MeshSettings b) {
    List<String> what = new ArrayList<>();
    if (!a.trustDomain().equals(b.trustDomain())) what.add("trustDomain");
    if (a.tls() != b.tls()) what.add("tls");
    return what;
  }

  private static List<String> serviceChanges(ServiceConfig a, ServiceConfig b) {
    List<String> what = new ArrayList<>();
    if (a.protocol() != b.protocol()) what.add("protocol");
    if (!a.endpoints().equals(b.endpoints())) what.add(endpointChanges(a.endpoints(), b.endpoints()));
    if (!withoutRoutes(a.client()).equals(withoutRoutes(b.client()))) what.add("policy");
    if (!a.client().routes().equals(b.client().routes())) what.add("routes");
    if (!a.server().equals(b.server())) what.add("server policy");
    if (what.isEmpty()) what.add("details");
    return what;
  }

  /** {@code endpoints +added -removed ~changed}, endpoints matched by address. */
  private static String endpointChanges(List<Endpoint> a, List<Endpoint> b) {
    Map<Address, Endpoint> before = new LinkedHashMap<>();
    for (Endpoint e : a) before.put(e.address(), e);
    int added = 0;
    int changed = 0;
    for (Endpoint e : b) {
      Endpoint old = before.remove(e.address());
      if (old == null) {
        added++;
      } else if (!old.equals(e)) {
        changed++;
      }
    }
    int removed = before.size();
    if (added + removed + changed == 0) return "endpoints reordered";
    return "endpoints +" + added + " -" + removed + (changed > 0 ? " ~" + changed : "");
  }

  private static ClientPolicy withoutRoutes(ClientPolicy p) {
    return p.toBuilder().routes(List.of()).build();
  }
}
