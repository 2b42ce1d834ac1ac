package io.meshwork.core.registry;

import static io.meshwork.core.registry.TestFiles.writeAtomically;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.model.Endpoint;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileRegistryRegistrationTest {
  private static final Duration WAIT = Duration.ofSeconds(3);
  private static final String DOCUMENT = """
      services:
        greeter:
          endpoints:
            - { address: 127.0.0.1:8081 }
      """;

  @TempDir Path dir;

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private FileRegistry open(Path path) {
    return FileRegistry.builder(path).meterRegistry(meters).build();
  }

  private Path registrations() {
    return dir.resolve(FileRegistry.REGISTRATIONS_FOLDER);
  }

  private List<String> registrationFiles() throws IOException {
    if (!Files.isDirectory(registrations())) return List.of();
    try (Stream<Path> files = Files.list(registrations())) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void twoRegistriesOverOneFolderSeeEachOthersRegistrationsUntilClosed() throws IOException {
    writeAtomically(dir.resolve("mesh.yaml"), DOCUMENT);
    try (FileRegistry a = open(dir); FileRegistry b = open(dir)) {
      RecordingListener seenByA = new RecordingListener();
      RecordingListener seenByB = new RecordingListener();
      a.watch("greeter", seenByA);
      b.watch("greeter", seenByB);
      Endpoint endpoint = new Endpoint(
          io.meshwork.core.model.Address.parse("[::1]:9001"), "zone-b", 7, Map.of("version", "v2", "track", "canary"));

      Registration registration = a.register("greeter", endpoint);

      assertThat(seenByA.latest().config().endpoints()).containsExactly(Endpoint.of("127.0.0.1:8081"), endpoint);
      assertThat(registrationFiles()).singleElement().asString().startsWith("greeter--").endsWith(".yaml");
      await().atMost(WAIT).untilAsserted(() ->
          assertThat(seenByB.latest().config().endpoints()).containsExactly(Endpoint.of("127.0.0.1:8081"), endpoint));

      registration.close();

      assertThat(seenByA.latestAddresses()).containsExactly("127.0.0.1:8081");
      assertThat(registrationFiles()).isEmpty();
      await().atMost(WAIT).untilAsserted(() -> assertThat(seenByB.latestAddresses()).containsExactly("127.0.0.1:8081"));
    }
  }

  @Test
  void closingTheRegistryWithdrawsItsRegistrationsForTheOthers() throws IOException {
    writeAtomically(dir.resolve("mesh.yaml"), DOCUMENT);
    try (FileRegistry b = open(dir)) {
      RecordingListener seenByB = new RecordingListener();
      b.watch("billing", seenByB);
      FileRegistry a = open(dir);
      a.register("billing", Endpoint.of("127.0.0.1:9001"));
      a.register("billing", Endpoint.of("127.0.0.1:9002"));
      await().atMost(WAIT).untilAsserted(() ->
          assertThat(seenByB.latestAddresses()).containsExactlyInAnyOrder("127.0.0.1:9001", "127.0.0.1:9002"));
      assertThat(seenByB.latest().known()).isTrue();

      a.close();

      assertThat(registrationFiles()).isEmpty();
      await().atMost(WAIT).until(() -> !seenByB.latest().known());
      assertThat(seenByB.latest().config().endpoints()).isEmpty();
      assertThatThrownBy(() -> a.register("billing", Endpoint.of("127.0.0.1:9003")))
          .isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void aSingleFileRegistryKeepsRegistrationsBesideTheFile() throws IOException {
    Path file = writeAtomically(dir.resolve("mesh.yaml"), DOCUMENT);
    try (FileRegistry a = open(file); FileRegistry b = open(file)) {
      RecordingListener seenByB = new RecordingListener();
      b.watch("greeter", seenByB);

      a.register("greeter", Endpoint.of("127.0.0.1:9001"));

      assertThat(registrationFiles()).hasSize(1);
      await().atMost(WAIT).untilAsserted(() ->
          assertThat(seenByB.latestAddresses()).containsExactly("127.0.0.1:8081", "127.0.0.1:9001"));
    }
  }

  @Test
  void aRegistrationNotRenewedForATtlIsIgnoredAndOneThreeTtlsOldIsDeleted() throws IOException {
    writeAtomically(dir.resolve("mesh.yaml"), DOCUMENT);
    Files.createDirectories(registrations());
    Path fresh = writeAtomically(registrations().resolve("greeter--" + UUID.randomUUID() + ".yaml"), "address: 127.0.0.1:9001\n");
    Path expired = writeAtomically(registrations().resolve("greeter--" + UUID.randomUUID() + ".yaml"), "address: 127.0.0.1:9002\n");
    Path abandoned = writeAtomically(registrations().resolve("greeter--" + UUID.randomUUID() + ".yaml"), "address: 127.0.0.1:9003\n");
    TestFiles.setAge(expired, Duration.ofSeconds(15));
    TestFiles.setAge(abandoned, Duration.ofHours(1));

    try (FileRegistry registry = FileRegistry.builder(dir).registrationTtl(Duration.ofSeconds(10)).build()) {
      RecordingListener listener = new RecordingListener();
      registry.watch("greeter", listener);

      assertThat(listener.latestAddresses()).containsExactly("127.0.0.1:8081", "127.0.0.1:9001");
      assertThat(fresh).exists();
      assertThat(expired).exists();
      assertThat(abandoned).doesNotExist();

      TestFiles.setAge(fresh, Duration.ofSeconds(11));

      await().atMost(WAIT).untilAsserted(() -> assertThat(listener.latestAddresses()).containsExactly("127.0.0.1:8081"));
    }
  }

  @Test
  void theOwnerRenewsItsRegistrationSoItOutlivesTheTtl() {
    writeAtomically(dir.resolve("mesh.yaml"), DOCUMENT);
    Duration ttl = Duration.ofSeconds(1);
    try (FileRegistry a = FileRegistry.builder(dir).registrationTtl(ttl).build();
        FileRegistry b = FileRegistry.builder(dir).registrationTtl(ttl).build()) {
      RecordingListener seenByB = new RecordingListener();
      b.watch("greeter", seenByB);

      a.register("greeter", Endpoint.of("127.0.0.1:9001"));

      await().atMost(WAIT).until(() -> seenByB.latestAddresses().contains("127.0.0.1:9001"));
      int before = seenByB.count();
      // Several TTLs pass; the owner's renewals keep the registration alive throughout.
      await().during(Duration.ofMillis(2_500)).atMost(Duration.ofSeconds(4))
          .until(() -> seenByB.latestAddresses().contains("127.0.0.1:9001"));
      assertThat(seenByB.count()).isEqualTo(before);
    }
  }

  @Test
  void aRegistrationDeletedByAnotherProcessIsWrittenAgainByItsOwner() throws IOException {
    writeAtomically(dir.resolve("mesh.yaml"), DOCUMENT);
    try (FileRegistry a = FileRegistry.builder(dir).registrationTtl(Duration.ofMillis(600)).build()) {
      a.register("greeter", Endpoint.of("127.0.0.1:9001"));
      Path file = registrations().resolve(registrationFiles().get(0));

      TestFiles.delete(file);

      await().atMost(WAIT).until(() -> Files.exists(file));
      assertThat(Files.readString(file)).contains("127.0.0.1:9001");
    }
  }

  @Test
  void aMalformedRegistrationIsIgnoredLoggedOnceAndCountedOnce() throws IOException {
    writeAtomically(dir.resolve("mesh.yaml"), DOCUMENT);
    Files.createDirectories(registrations());
    Path malformed = writeAtomically(registrations().resolve("greeter--" + UUID.randomUUID() + ".yaml"), "address: nowhere\n");
    Path badName = writeAtomically(registrations().resolve("Greeter--" + UUID.randomUUID() + ".yaml"), "address: 127.0.0.1:9002\n");
    Path good = writeAtomically(registrations().resolve("greeter--" + UUID.randomUUID() + ".yaml"), "address: 127.0.0.1:9003\n");

    try (CapturedStderr stderr = new CapturedStderr(); FileRegistry registry = open(dir)) {
      RecordingListener listener = new RecordingListener();
      registry.watch("greeter", listener);
      long polls = registry.pollCount();
      await().atMost(WAIT).until(() -> registry.pollCount() >= polls + 4);

      assertThat(listener.latestAddresses()).containsExactly("127.0.0.1:8081", "127.0.0.1:9003");
      assertThat(stderr.occurrences("Ignoring malformed registration " + malformed)).isEqualTo(1);
      assertThat(stderr.occurrences("Ignoring malformed registration " + badName)).isEqualTo(1);
      assertThat(meters.get("mesh.registry.updates").tag("result", "rejected").counter().count()).isEqualTo(2.0);
      assertThat(good).exists();
    }
  }

  @Test
  void theRegistrationFileIsTheEndpointMappingTheParserReads() {
    Endpoint endpoint = new Endpoint(
        io.meshwork.core.model.Address.parse("10.0.0.7:443"), "eu-1", 3, Map.of("version", "v1", "team", "yes: no"));

    String yaml = FileRegistry.endpointYaml(endpoint);

    assertThat(MeshDocumentParser.parseEndpoint(new DocumentSource("registration.yaml", yaml))).isEqualTo(endpoint);
    assertThat(MeshDocumentParser.parseEndpoint(new DocumentSource("registration.yaml", FileRegistry.endpointYaml(Endpoint.of("[::1]:80")))))
        .isEqualTo(Endpoint.of("[::1]:80"));
  }
}
