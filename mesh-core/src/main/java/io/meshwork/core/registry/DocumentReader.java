package io.meshwork.core.registry;

import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.model.TlsMode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;

/**
 * Reads the top of one registry document: {@code mesh:} and {@code services:}. Services are
 * read independently, so that a bad one does not hide the problems of the next.
 */
final class DocumentReader {
  private static final List<String> ROOT_FIELDS = List.of("mesh", "services");
  private static final List<String> MESH_FIELDS = List.of("trustDomain", "tls");

  private final NodeReader reader;

  DocumentReader(NodeReader reader) {
    this.reader = reader;
  }

  /** Reads a composed document; problems go to the reader's {@link Problems}. */
  ParsedFile read(Node root) {
    Optional<Fields> fields = reader.fields(root, "", ROOT_FIELDS, "a mapping with mesh and services");
    if (fields.isEmpty()) {
      return ParsedFile.EMPTY;
    }
    Fields f = fields.get();
    Optional<ParsedFile.Located<MeshSettings>> mesh = f.value("mesh")
        .flatMap(node -> mesh(node, f.path("mesh")))
        .map(settings -> located(settings, f.keyNode("mesh")));
    Map<String, ParsedFile.Located<ServiceConfig>> services =
        f.value("services").map(node -> services(node, f.path("services"))).orElse(Map.of());
    return new ParsedFile(mesh, services);
  }

  private ParsedFile.Located<MeshSettings> located(MeshSettings settings, Node at) {
    return new ParsedFile.Located<>(settings, reader.problems().source(), NodeReader.line(at), NodeReader.column(at));
  }

  private Optional<MeshSettings> mesh(Node node, String path) {
    return reader.fields(node, path, MESH_FIELDS, "a mapping with trustDomain and tls").flatMap(f -> {
      String trustDomain = f.string("trustDomain", MeshSettings.DEFAULT.trustDomain());
      TlsMode tls = f.parsed("tls", MeshSettings.DEFAULT.tls(), "strict, permissive or disabled",
          Choices.parser(TlsMode.values(), TlsMode::documentName));
      return f.build("", () -> new MeshSettings(trustDomain, tls));
    });
  }

  private Map<String, ParsedFile.Located<ServiceConfig>> services(Node node, String path) {
    Optional<MappingNode> mapping = reader.mapping(node, path, "a mapping of service names to services");
    if (mapping.isEmpty()) {
      return Map.of();
    }
    Map<String, ParsedFile.Located<ServiceConfig>> services = new LinkedHashMap<>();
    ServiceReader serviceReader = new ServiceReader(reader);
    for (Map.Entry<String, NodeTuple> e : reader.entries(mapping.get(), path).entrySet()) {
      String name = e.getKey();
      Node key = e.getValue().getKeyNode();
      try {
        ServiceConfig.checkName(name);
      } catch (IllegalArgumentException ex) {
        reader.problems().at(key, path, NodeReader.quote(name) + " " + NodeReader.expectedPart(ex.getMessage(),
            "a service name"));
        continue;
      }
      serviceReader.read(name, e.getValue().getValueNode(), NodeReader.child(path, name))
          .ifPresent(s -> services.put(name, new ParsedFile.Located<>(
              s, reader.problems().source(), NodeReader.line(key), NodeReader.column(key))));
    }
    return services;
  }
}
