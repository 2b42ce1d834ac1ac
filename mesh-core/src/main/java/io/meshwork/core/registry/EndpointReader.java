package io.meshwork.core.registry;

import io.meshwork.core.model.Address;
import io.meshwork.core.model.Defaults;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.Protocol;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Reads one endpoint: a mapping {@code {address, zone, weight, labels}} or just the address,
 * {@code "host:port"}; or, with named ports, {@code {address: 10.0.0.5, ports: {http: 8080,
 * grpc: 9090}}} where the address is a host without port. An endpoint with named ports gets
 * its {@link Endpoint#address()} on the port named by the service's protocol when it names one,
 * else on the first port listed.
 */
final class EndpointReader {
  private static final List<String> FIELDS = List.of("address", "zone", "weight", "labels", "ports");
  private static final String ADDRESS = "host:port, IPv6 as [::1]:8080";
  private static final String HOST = "a host without port when ports are given, such as 10.0.0.5 or [::1]";
  private static final String PORTS = "a mapping of port names to ports, such as { http: 8080, grpc: 9090 }";

  private final NodeReader reader;

  EndpointReader(NodeReader reader) {
    this.reader = reader;
  }

  /** The endpoint written at {@code node}, or empty after recording its problems. */
  Optional<Endpoint> read(Node node, String path) {
    return read(node, path, null);
  }

  /**
   * The endpoint written at {@code node} for a service of {@code protocol} (null: unknown, the
   * first named port is the primary one), or empty after recording its problems.
   */
  Optional<Endpoint> read(Node node, String path, Protocol protocol) {
    if (node instanceof ScalarNode && !NodeReader.isNull(node)) {
      return reader.parsed(node, path, ADDRESS, Address::parse).map(
          a -> new Endpoint(a, "", Defaults.ENDPOINT_WEIGHT, Map.of()));
    }
    if (NodeReader.isNull(node)) {
      reader.problems().at(node, path, "null (expected: an endpoint, host:port or a mapping with address)");
      return Optional.empty();
    }
    return reader.mapping(node, path, "an endpoint, host:port or a mapping with address")
        .map(m -> reader.fields(m, path, FIELDS))
        .flatMap(f -> endpoint(f, protocol));
  }

  private Optional<Endpoint> endpoint(Fields f, Protocol protocol) {
    if (f.has("ports")) {
      return namedPorts(f, protocol);
    }
    Optional<Address> address = f.value("address")
        .flatMap(v -> reader.parsed(v, f.path("address"), ADDRESS, Address::parse));
    if (!f.has("address")) {
      f.missing("address", ADDRESS);
    }
    String zone = f.string("zone", "");
    int weight = f.integer("weight", Defaults.ENDPOINT_WEIGHT);
    Map<String, String> labels = f.stringMap("labels", "label names", false);
    return f.build("", () -> new Endpoint(address.orElseThrow(), zone, weight, labels));
  }

  private Optional<Endpoint> namedPorts(Fields f, Protocol protocol) {
    Optional<String> host = f.value("address")
        .flatMap(v -> reader.parsed(v, f.path("address"), HOST, EndpointReader::host));
    if (!f.has("address")) {
      f.missing("address", HOST);
    }
    String zone = f.string("zone", "");
    int weight = f.integer("weight", Defaults.ENDPOINT_WEIGHT);
    Map<String, String> labels = f.stringMap("labels", "label names", false);
    Map<String, Integer> ports = f.object("ports", Map.of(), this::ports);
    return f.build("", () -> Endpoint.ofPorts(host.orElseThrow(), ports,
            protocol == null ? "" : protocol.documentName())
        .withZone(zone).withWeight(weight).withLabels(labels));
  }

  private Optional<Map<String, Integer>> ports(Node node, String path) {
    Optional<MappingNode> mapping = reader.mapping(node, path, PORTS);
    if (mapping.isEmpty()) {
      return Optional.empty();
    }
    int before = reader.problems().count();
    Map<String, NodeTuple> entries = reader.entries(mapping.get(), path);
    if (entries.isEmpty() && reader.problems().count() == before) {
      reader.problems().at(node, path, "an empty mapping (expected: at least one named port, such as http: 8080)");
      return Optional.empty();
    }
    Map<String, Integer> result = new LinkedHashMap<>();
    for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
      String name = e.getKey();
      String portPath = NodeReader.child(path, name);
      try {
        Endpoint.checkPortName(name);
      } catch (IllegalArgumentException ex) {
        reader.problems().at(e.getValue().getKeyNode(), portPath,
            NodeReader.quote(name) + " (expected: " + Endpoint.PORT_NAME_FORM + ")");
        continue;
      }
      Node value = e.getValue().getValueNode();
      reader.integer(value, portPath).ifPresent(port -> {
        if (port < 1 || port > 65535) {
          reader.problems().at(value, portPath, NodeReader.describe(value) + " (expected: a port from 1 to 65535)");
        } else {
          result.put(name, port);
        }
      });
    }
    return reader.problems().count() > before ? Optional.empty() : Optional.of(result);
  }

  /** A host without port: {@code 10.0.0.5}, {@code greeter-1.internal}, {@code ::1} or {@code [::1]}. */
  static String host(String text) {
    String t = text.trim();
    String host;
    if (t.startsWith("[") && t.endsWith("]")) {
      host = t.substring(1, t.length() - 1);
    } else if (t.startsWith("[") || t.chars().filter(c -> c == ':').count() == 1) {
      throw new IllegalArgumentException(NodeReader.quote(text) + " (expected: " + HOST
          + "; the ports go under ports)");
    } else {
      host = t;
    }
    if (host.isEmpty() || host.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c)
        || c == '/' || c == '[' || c == ']')) {
      throw new IllegalArgumentException(NodeReader.quote(text) + " (expected: " + HOST + ")");
    }
    return host;
  }
}
