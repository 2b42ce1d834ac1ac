package io.meshwork.core.registry;

import static io.meshwork.core.registry.TestFiles.writeAtomically;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.model.Endpoint;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Valid documents that are probably mistakes (a service without endpoints, no services at all)
 * are accepted, then logged once at WARN and counted, unless endpoints are registered.
 */
class FileRegistryWarningsTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final Duration TTL = Duration.ofMillis(60);

  @TempDir Path dir;

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private FileRegistry open(Path path) {
    return FileRegistry.builder(path).meterRegistry(meters).pollInterval(Duration.ofMillis(10))
        .registrationTtl(TTL).build();
  }

  private double warnings(String reason) {
    return meters.get("mesh.registry.warnings").tag("reason", reason).counter().count();
  }

  /** Lets enough polls pass for the pending warnings (one TTL after the document) to be decided. */
  private static void letWarningsBeDecided(FileRegistry registry) throws InterruptedException {
    long polls = registry.pollCount();
    Thread.sleep(TTL.toMillis() * 3);
    await().atMost(WAIT).until(() -> registry.pollCount() >= polls + 3);
  }

  @Test
  void servicesWithoutEndpointsAreAcceptedThenWarnedAboutOnceEach() throws Exception {
    Path file = writeAtomically(dir.resolve("mesh.yaml"), """
        services:
          greeter:
            endpoints: []
          billing:
            client: { timeout: 1s }
          fine:
            endpoints: [ 127.0.0.1:8081 ]
        """);
    try (CapturedStderr stderr = new CapturedStderr(); FileRegistry registry = open(file)) {
      assertThat(registry.document().services()).containsOnlyKeys("greeter", "billing", "fine");

      await().atMost(WAIT).untilAsserted(() -> assertThat(warnings("no-endpoints")).isEqualTo(2.0));
      letWarningsBeDecided(registry);

      assertThat(warnings("no-endpoints")).isEqualTo(2.0);
      assertThat(warnings("no-services")).isZero();
      assertThat(stderr.occurrences("Registry document " + file + ":2:3: services.greeter.endpoints: service greeter has no endpoints"
          + " (probably a mistake")).isEqualTo(1);
      assertThat(stderr.occurrences(file + ":4:3: services.billing.endpoints: service billing has no endpoints"))
          .isEqualTo(1);
      assertThat(stderr.text()).contains("WARN").doesNotContain("service fine has no endpoints");
    }
  }

  @Test
  void aServiceWhoseServersRegisterItsEndpointsIsNotWarnedAbout() throws Exception {
    Path file = writeAtomically(dir.resolve("mesh.yaml"), """
        services:
          greeter:
            endpoints: []
          lonely:
            endpoints: []
        """);
    try (CapturedStderr stderr = new CapturedStderr(); FileRegistry registry = open(file)) {
      registry.register("greeter", Endpoint.ofPort("127.0.0.1", "grpc", 9090)); // as a server does at start

      await().atMost(WAIT).untilAsserted(() -> assertThat(warnings("no-endpoints")).isEqualTo(1.0));
      letWarningsBeDecided(registry);

      assertThat(warnings("no-endpoints")).isEqualTo(1.0);
      assertThat(stderr.occurrences("service lonely has no endpoints")).isEqualTo(1);
      assertThat(stderr.occurrences("service greeter has no endpoints")).isZero();
    }
  }

  @Test
  void aDocumentWithoutServicesIsWarnedAboutNamingTheFile() throws Exception {
    Path file = writeAtomically(dir.resolve("mesh.yaml"), "# services: to come\nmesh: { tls: disabled }\n");
    try (CapturedStderr stderr = new CapturedStderr(); FileRegistry registry = open(file)) {
      await().atMost(WAIT).untilAsserted(() -> assertThat(warnings("no-services")).isEqualTo(1.0));
      letWarningsBeDecided(registry);

      assertThat(warnings("no-services")).isEqualTo(1.0);
      assertThat(stderr.occurrences("Registry " + file + ": the document names no services (probably a mistake"))
          .isEqualTo(1);

      // A reload that still has a service without endpoints is judged again.
      writeAtomically(file, "services:\n  greeter: {}\n");
      await().atMost(WAIT).untilAsserted(() -> assertThat(warnings("no-endpoints")).isEqualTo(1.0));
      assertThat(warnings("no-services")).isEqualTo(1.0);
    }
  }

  @Test
  void aSoundDocumentWarnsNothingButTheCountersExist() throws Exception {
    Path file = writeAtomically(dir.resolve("mesh.yaml"), "services:\n  greeter:\n    endpoints: [ 127.0.0.1:8081 ]\n");
    try (FileRegistry registry = open(file)) {
      letWarningsBeDecided(registry);

      assertThat(warnings("no-endpoints")).isZero();
      assertThat(warnings("no-services")).isZero();
    }
  }

  @Test
  void theInMemoryRegistryDoesNotWarn() throws Exception {
    try (CapturedStderr stderr = new CapturedStderr(); InMemoryRegistry registry = InMemoryRegistry.create()) {
      registry.putService(io.meshwork.core.model.ServiceConfig.unknown("quietservice"));
      registry.watch("quietservice", s -> { });

      assertThat(stderr.text()).doesNotContain("quietservice");
    }
  }
}
