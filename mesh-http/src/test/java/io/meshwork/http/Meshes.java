package io.meshwork.http;

import io.meshwork.core.Mesh;
import io.meshwork.core.registry.Registry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** Meshes for tests: one per simulated service, sharing a registry, each with its own meters. */
final class Meshes {
  private Meshes() {}

  static Mesh of(String service, Registry registry) {
    return Mesh.builder().serviceName(service).registry(registry).meterRegistry(new SimpleMeterRegistry()).build();
  }
}
