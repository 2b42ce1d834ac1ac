package io.meshwork.samples;

import io.meshwork.core.Destination;
import io.meshwork.core.EndpointStatus;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Durations;
import io.meshwork.core.model.MeshDocument;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.DocumentSource;
import io.meshwork.core.registry.FileRegistry;
import io.meshwork.core.registry.MeshDocumentParser;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The quick start, for now: loads the mesh registry the way a service would (the file
 * registry, watched live) and prints what the mesh knows. The full demo with servers and
 * traffic arrives with the HTTP transport.
 */
public final class QuickStart {
  private QuickStart() {}

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args.length > 0 ? args[0] : "samples/mesh.yaml");
    MeshDocument doc = MeshDocumentParser.parse(new DocumentSource(file.toString(), Files.readString(file)));
    try (FileRegistry registry = FileRegistry.builder(file).build();
        Mesh mesh = Mesh.builder().serviceName("frontend").registry(registry).build()) {
      System.out.printf("Meshwork registry %s: trust domain %s, TLS %s, %d services%n%n",
          file, doc.mesh().trustDomain(), doc.mesh().tls().documentName(), doc.services().size());
      for (ServiceConfig s : doc.services().values()) {
        Destination d = mesh.destination(s.name());
        ClientPolicy c = d.snapshot().config().client();
        System.out.printf("%s (%s)%n", s.name(), s.protocol().documentName());
        System.out.printf("  client: timeout %s, %d attempts, budget %.0f%% + %d/s, %s, %d routes, circuit %s%n",
            Durations.format(c.timeout()), c.retries().maxAttempts(), c.retryBudget().ratio() * 100,
            c.retryBudget().minPerSecond(), c.loadBalancer().documentName(), c.routes().size(),
            d.circuitState().name().toLowerCase());
        System.out.printf("  server: allow %s%n", s.server().allow());
        for (EndpointStatus e : d.endpoints()) {
          System.out.printf("  - %-18s zone %-3s weight %-3d labels %s%s%n", e.endpoint().address(),
              e.endpoint().zone().isEmpty() ? "-" : e.endpoint().zone(), e.endpoint().weight(),
              e.endpoint().labels(), e.ejected() ? "  EJECTED" : "");
        }
      }
    }
  }
}
