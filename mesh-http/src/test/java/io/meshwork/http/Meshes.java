package io.meshwork.http;

import io.meshwork.core.Mesh;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.ServerPolicy;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.core.registry.Registry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;

/** Meshes for tests: one per simulated service, sharing a registry, each with its own meters. */
final class Meshes {
  private Meshes() {}

  static Mesh of(String service, Registry registry) {
    return Mesh.builder().serviceName(service).registry(registry).meterRegistry(new SimpleMeterRegistry()).build();
  }

  /** Puts {@code service} with endpoints on these loopback ports and {@code allow} as its server policy. */
  static void putPorts(InMemoryRegistry registry, String service, List<Integer> ports, String... allow) {
    registry.putService(ServiceConfig.builder(service)
        .endpoints(ports.stream().map(p -> Endpoint.of("127.0.0.1:" + p)).toList())
        .server(new ServerPolicy(List.of(allow)))
        .build());
  }

  /** Puts {@code service} with these servers as endpoints and {@code allow} as its server policy. */
  static void putAllowing(InMemoryRegistry registry, String service, List<Backend> backends, String... allow) {
    putPorts(registry, service, backends.stream().map(Backend::port).toList(), allow);
  }
}
