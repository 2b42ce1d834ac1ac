package io.meshwork.core.registry;

import io.meshwork.core.model.Address;
import io.meshwork.core.model.Defaults;
import io.meshwork.core.model.Endpoint;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Reads one endpoint: a mapping {@code {address, zone, weight, labels}} or just the address,
 * {@code "host:port"}.
 */
final class EndpointReader {
  private static final List<String> FIELDS = List.of("address", "zone", "weight", "labels");
  private static final String ADDRESS = "host:port, IPv6 as [::1]:8080";

  private final NodeReader reader;

  EndpointReader(NodeReader reader) {
    this.reader = reader;
  }

  /** The endpoint written at {@code node}, or empty after recording its problems. */
  Optional<Endpoint> read(Node node, String path) {
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
        .flatMap(this::endpoint);
  }

  private Optional<Endpoint> endpoint(Fields f) {
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
}
