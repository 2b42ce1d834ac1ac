package io.meshwork.core.registry;

import static io.meshwork.core.registry.TestFiles.writeAtomically;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.model.Address;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.Protocol;
import io.meshwork.core.model.ServiceConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One process's HTTP and gRPC servers register the same host with different named ports: the
 * registry lists one endpoint with both ports, and withdrawing one leaves the other.
 */
class RegistrationPortMergeTest {
  private static final Duration WAIT = Duration.ofSeconds(3);

  @TempDir Path dir;

  @Test
  void inMemoryRegistrationsOfOneHostMergeIntoOneEndpointAndSplitWhenWithdrawn() {
    try (InMemoryRegistry registry = InMemoryRegistry.create()) {
      registry.putService(ServiceConfig.builder("greeter").protocol(Protocol.GRPC).build());
      RecordingListener listener = new RecordingListener();
      registry.watch("greeter", listener);

      Registration http = registry.register("greeter", Endpoint.ofPort("10.0.0.5", "http", 8080).withZone("a"));
      Registration grpc = registry.register("greeter", Endpoint.ofPort("10.0.0.5", "grpc", 9090)
          .withLabels(Map.of("version", "v2")));

      Endpoint merged = listener.latest().config().endpoints().get(0);
      assertThat(listener.latest().config().endpoints()).hasSize(1);
      assertThat(merged.ports()).containsExactly(Map.entry("http", 8080), Map.entry("grpc", 9090));
      assertThat(merged.address()).isEqualTo(new Address("10.0.0.5", 9090)); // the service speaks grpc
      assertThat(merged.addressFor("http")).isEqualTo(new Address("10.0.0.5", 8080));
      assertThat(merged.zone()).isEqualTo("a");
      assertThat(merged.labels()).containsEntry("version", "v2");

      grpc.close();

      assertThat(listener.latest().config().endpoints()).singleElement().satisfies(e -> {
        assertThat(e.ports()).containsExactly(Map.entry("http", 8080));
        assertThat(e.address()).isEqualTo(new Address("10.0.0.5", 8080));
      });

      http.close();

      assertThat(listener.latest().config().endpoints()).isEmpty();
    }
  }

  @Test
  void onlyNamedPortsOfTheSameHostWithDifferentNamesMerge() {
    try (InMemoryRegistry registry = InMemoryRegistry.create()) {
      RecordingListener listener = new RecordingListener();
      registry.watch("greeter", listener);

      registry.register("greeter", Endpoint.of("10.0.0.5:7000")); // no names: never merged
      registry.register("greeter", Endpoint.ofPort("10.0.0.5", "http", 8080));
      registry.register("greeter", Endpoint.ofPort("10.0.0.5", "http", 8081)); // a second HTTP server
      registry.register("greeter", Endpoint.ofPort("10.0.0.6", "grpc", 9090)); // another host
      registry.register("greeter", Endpoint.ofPort("10.0.0.5", "grpc", 9090));

      assertThat(listener.latest().config().endpoints()).extracting(Endpoint::ports).containsExactly(
          Map.of(),
          Map.of("http", 8080, "grpc", 9090),
          Map.of("http", 8081),
          Map.of("grpc", 9090));
      assertThat(listener.latestAddresses())
          .containsExactly("10.0.0.5:7000", "10.0.0.5:8080", "10.0.0.5:8081", "10.0.0.6:9090");
    }
  }

  @Test
  void fileRegistrationsOfOneRegistryMergeAndAnotherRegistrySeesOneEndpoint() {
    writeAtomically(dir.resolve("mesh.yaml"), "services:\n  greeter:\n    protocol: http\n    endpoints: []\n");
    try (FileRegistry a = FileRegistry.builder(dir).pollInterval(Duration.ofMillis(20)).build();
        FileRegistry b = FileRegistry.builder(dir).pollInterval(Duration.ofMillis(20)).build()) {
      RecordingListener seenByA = new RecordingListener();
      RecordingListener seenByB = new RecordingListener();
      a.watch("greeter", seenByA);
      b.watch("greeter", seenByB);

      Registration grpc = a.register("greeter", Endpoint.ofPort("127.0.0.1", "grpc", 9090));
      a.register("greeter", Endpoint.ofPort("127.0.0.1", "http", 8080));
      // Another process on the same host: its ports are its own endpoint, never merged with a's.
      b.register("greeter", Endpoint.ofPort("127.0.0.1", "http", 8081));

      List<Map<String, Integer>> expected = List.of(Map.of("grpc", 9090, "http", 8080), Map.of("http", 8081));
      await().atMost(WAIT).untilAsserted(() -> {
        assertThat(seenByA.latest().config().endpoints()).extracting(Endpoint::ports)
            .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(seenByB.latest().config().endpoints()).extracting(Endpoint::ports)
            .containsExactlyInAnyOrderElementsOf(expected);
      });
      assertThat(seenByB.latestAddresses()).containsExactlyInAnyOrder("127.0.0.1:8080", "127.0.0.1:8081");

      grpc.close();

      assertThat(seenByA.latest().config().endpoints()).extracting(Endpoint::ports)
          .containsExactlyInAnyOrder(Map.of("http", 8080), Map.of("http", 8081));
      await().atMost(WAIT).untilAsserted(() -> assertThat(seenByB.latest().config().endpoints())
          .extracting(Endpoint::ports).containsExactlyInAnyOrder(Map.of("http", 8080), Map.of("http", 8081)));
    }
  }
}
