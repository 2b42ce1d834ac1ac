package io.meshwork.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.inbound.InboundGuard;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A mesh's meters live as long as the mesh: meshes built and closed one after another in one
 * JVM (tests, restarts) each register and report their own gauges, whether they share
 * Micrometer's global registry (the default) or an application's.
 */
class MeshMetersLifecycleTest {

  /** Builds a mesh whose "greeter" has {@code endpoints} endpoints, calls it once, and reads its healthy-endpoints gauge. */
  private static double healthyGauge(MeterRegistry readFrom, Mesh mesh) {
    mesh.destination("greeter");
    Gauge g = readFrom.find("mesh.client.endpoints").tags("service", "greeter", "state", "healthy").gauge();
    assertThat(g).as("the healthy-endpoints gauge of the mesh just built").isNotNull();
    return g.value();
  }

  private static InMemoryRegistry registryWith(int endpoints) {
    InMemoryRegistry r = InMemoryRegistry.create();
    r.putService(ServiceConfig.builder("greeter").endpoints(EngineHarness.endpoints(endpoints))
        .client(ClientPolicy.builder().build()).build());
    return r;
  }

  private static void twoMeshesOneAfterTheOther(MeterRegistry readFrom, Function<Mesh.Builder, Mesh.Builder> configure) {
    try (InMemoryRegistry two = registryWith(2); InMemoryRegistry three = registryWith(3)) {
      Mesh first = configure.apply(Mesh.builder().serviceName("frontend").registry(two)).build();
      assertThat(healthyGauge(readFrom, first)).isEqualTo(2);
      first.close();
      assertThat(readFrom.find("mesh.client.endpoints").tags("service", "greeter").gauges())
          .as("gauges left behind by the closed mesh").isEmpty();
      assertThat(readFrom.find("mesh.client.attempts").tags("service", "greeter").counters()).isEmpty();

      Mesh second = configure.apply(Mesh.builder().serviceName("frontend").registry(three)).build();
      try {
        assertThat(healthyGauge(readFrom, second)).as("the second mesh's own gauge, live").isEqualTo(3);
        assertThat(readFrom.find("mesh.client.inflight").tags("service", "greeter").gauge()).isNotNull();
        assertThat(readFrom.find("mesh.client.circuit.state").tags("service", "greeter", "state", "closed").gauge().value())
            .isEqualTo(1);
      } finally {
        second.close();
      }
    }
  }

  @Test
  void meshesOneAfterAnotherOnTheGlobalRegistryEachHaveTheirGauges() {
    SimpleMeterRegistry sink = new SimpleMeterRegistry();
    Metrics.addRegistry(sink);
    try {
      twoMeshesOneAfterTheOther(sink, b -> b);
      assertThat(Metrics.globalRegistry.find("mesh.client.endpoints").meters()).isEmpty();
    } finally {
      Metrics.removeRegistry(sink);
    }
  }

  @Test
  void meshesOneAfterAnotherOnAnApplicationRegistryEachHaveTheirGauges() {
    SimpleMeterRegistry app = new SimpleMeterRegistry();
    twoMeshesOneAfterTheOther(app, b -> b.meterRegistry(app));
  }

  @Test
  void closingTheMeshRemovesItsServerMetersAndClientTimers() {
    SimpleMeterRegistry app = new SimpleMeterRegistry();
    try (InMemoryRegistry registry = registryWith(1)) {
      Mesh mesh = Mesh.builder().serviceName("greeter").registry(registry).meterRegistry(app).build();
      InboundGuard.create(mesh);
      try (Call call = mesh.destination("greeter").newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
        call.nextAttempt().complete(Outcome.http(200));
      }
      assertThat(app.find("mesh.client.requests").timers()).isNotEmpty();
      assertThat(app.find("mesh.server.malformed.headers").counters()).isNotEmpty();

      mesh.close();

      assertThat(app.getMeters()).as("meters left after close").isEmpty();
    }
  }
}
