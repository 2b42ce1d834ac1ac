package io.meshwork.core.registry;

import io.meshwork.core.model.Address;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Defaults;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.Protocol;
import io.meshwork.core.model.ServerPolicy;
import io.meshwork.core.model.ServiceConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/** Reads one service: {@code protocol}, {@code endpoints}, {@code client} and {@code server}. */
final class ServiceReader {
  private static final List<String> FIELDS = List.of("protocol", "endpoints", "client", "server");
  private static final List<String> SERVER_FIELDS = List.of("allow");

  private final NodeReader reader;
  private final EndpointReader endpoints;
  private final ClientPolicyReader client;

  ServiceReader(NodeReader reader) {
    this.reader = reader;
    this.endpoints = new EndpointReader(reader);
    this.client = new ClientPolicyReader(reader);
  }

  /** The service {@code name} written at {@code node} (null: every default), or empty. */
  Optional<ServiceConfig> read(String name, Node node, String path) {
    return reader.fields(node, path, FIELDS, "a service: a mapping with protocol, endpoints, client and server")
        .flatMap(f -> service(name, f));
  }

  private Optional<ServiceConfig> service(String name, Fields f) {
    Protocol protocol = f.parsed("protocol", Defaults.PROTOCOL, "http or grpc",
        Choices.parser(Protocol.values(), Protocol::documentName));
    List<Endpoint> eps = f.object("endpoints", List.of(), (node, path) -> endpoints(node, path, protocol));
    ClientPolicy clientPolicy = f.object("client", ClientPolicy.DEFAULT, client::read);
    ServerPolicy server = f.object("server", ServerPolicy.DEFAULT, this::server);
    return f.build("", () -> ServiceConfig.builder(name)
        .protocol(protocol).endpoints(eps).client(clientPolicy).server(server).build());
  }

  private Optional<List<Endpoint>> endpoints(Node node, String path, Protocol protocol) {
    Optional<SequenceNode> seq = reader.list(node, path, "a list of endpoints");
    if (seq.isEmpty()) {
      return Optional.empty();
    }
    int before = reader.problems().count();
    List<Endpoint> result = new ArrayList<>();
    Map<Address, Node> seen = new HashMap<>();
    List<Node> items = seq.get().getValue();
    for (int i = 0; i < items.size(); i++) {
      Node item = items.get(i);
      String itemPath = NodeReader.element(path, i);
      Optional<Endpoint> endpoint = endpoints.read(item, itemPath, protocol);
      if (endpoint.isEmpty()) {
        continue;
      }
      Node first = seen.putIfAbsent(endpoint.get().address(), item);
      if (first != null) {
        reader.problems().at(item, NodeReader.child(itemPath, "address"), NodeReader.quote(
            endpoint.get().address().toString()) + " (expected: each address once; first at line "
            + NodeReader.line(first) + ")");
      } else {
        result.add(endpoint.get());
      }
    }
    return reader.problems().count() > before ? Optional.empty() : Optional.of(result);
  }

  private Optional<ServerPolicy> server(Node node, String path) {
    return reader.fields(node, path, SERVER_FIELDS, "a mapping with allow").flatMap(f -> {
      List<String> allow = f.stringList("allow", "caller service names, SPIFFE IDs or \"*\"",
          ServerPolicy.DEFAULT.allow());
      return f.build("", () -> new ServerPolicy(allow));
    });
  }
}
