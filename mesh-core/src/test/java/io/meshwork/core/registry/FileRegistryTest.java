package io.meshwork.core.registry;

import static io.meshwork.core.registry.TestFiles.writeAtomically;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.TlsMode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileRegistryTest {
  private static final Duration WAIT = Duration.ofSeconds(3);

  private static final String ONE_ENDPOINT = """
      mesh:
        trustDomain: example.org
      services:
        greeter:
          endpoints:
            - { address: 127.0.0.1:8081, zone: a }
      """;
  private static final String TWO_ENDPOINTS = """
      mesh:
        trustDomain: example.org
      services:
        greeter:
          endpoints:
            - { address: 127.0.0.1:8081, zone: a }
            - { address: 127.0.0.1:8082, zone: b }
      """;
  private static final String THREE_ENDPOINTS = """
      mesh:
        trustDomain: example.org
      services:
        greeter:
          endpoints:
            - { address: 127.0.0.1:8081, zone: a }
            - { address: 127.0.0.1:8082, zone: b }
            - { address: 127.0.0.1:8083, zone: c }
      """;
  /** Not YAML: the flow sequence is never closed. */
  private static final String UNPARSEABLE = """
      mesh:
        trustDomain: example.org
      services:
        greeter:
          endpoints: [ { address: 127.0.0.1:8081, zone: a }
      """;
  /** YAML, but a weight of 0 (line 6) is impossible. */
  private static final String INVALID_WEIGHT = """
      mesh:
        trustDomain: example.org
      services:
        greeter:
          endpoints:
            - { address: 127.0.0.1:8081, weight: 0 }
      """;

  @TempDir Path dir;

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private double updates(String result) {
    return meters.get("mesh.registry.updates").tag("result", result).counter().count();
  }

  private FileRegistry.Builder builder(Path path) {
    return FileRegistry.builder(path).meterRegistry(meters);
  }

  @Test
  void aChangedFileReachesTheWatchWithinOneSecond() {
    Path file = writeAtomically(dir.resolve("mesh.yaml"), ONE_ENDPOINT);
    try (FileRegistry registry = builder(file).build()) {
      RecordingListener listener = new RecordingListener();
      registry.watch("greeter", listener);
      assertThat(listener.latest().known()).isTrue();
      assertThat(listener.latest().mesh().trustDomain()).isEqualTo("example.org");
      assertThat(listener.latestAddresses()).containsExactly("127.0.0.1:8081");
      assertThat(updates("applied")).isEqualTo(1.0);

      writeAtomically(file, TWO_ENDPOINTS);

      await().atMost(Duration.ofSeconds(1))
          .untilAsserted(() -> assertThat(listener.latestAddresses()).containsExactly("127.0.0.1:8081", "127.0.0.1:8082"));
      assertThat(listener.threads().get(1)).isEqualTo(FileRegistry.THREAD_NAME);
      assertThat(listener.count()).isEqualTo(2);
      assertThat(updates("applied")).isEqualTo(2.0);
      assertThat(registry.lastError()).isEmpty();
    }
  }

  @Test
  void anEditThatKeepsSizeAndModificationTimeIsStillSeen() throws Exception {
    Path file = writeAtomically(dir.resolve("mesh.yaml"), ONE_ENDPOINT);
    var mtime = Files.getLastModifiedTime(file);
    try (FileRegistry registry = builder(file).build()) {
      RecordingListener listener = new RecordingListener();
      registry.watch("greeter", listener);

      writeAtomically(file, ONE_ENDPOINT.replace("8081", "8091"));
      Files.setLastModifiedTime(file, mtime);

      await().atMost(WAIT)
          .untilAsserted(() -> assertThat(listener.latestAddresses()).containsExactly("127.0.0.1:8091"));
    }
  }

  @Test
  void anUnparseableFileIsRejectedOnceAndTheLastGoodDocumentStaysInForceUntilFixed() {
    rejectedOnceThenFixed(UNPARSEABLE, 0);
  }

  @Test
  void anImpossibleValueIsRejectedOnceWithItsLineAndTheLastGoodDocumentStaysInForceUntilFixed() {
    rejectedOnceThenFixed(INVALID_WEIGHT, 6);
  }

  /** @param expectedLine the line the first problem must name, or 0 for any line */
  private void rejectedOnceThenFixed(String broken, int expectedLine) {
    Path file = writeAtomically(dir.resolve("mesh.yaml"), ONE_ENDPOINT);
    String logged = "Rejected registry document " + file;
    try (CapturedStderr stderr = new CapturedStderr();
        FileRegistry registry = builder(file).build()) {
      RecordingListener listener = new RecordingListener();
      registry.watch("greeter", listener);
      ServiceSnapshot good = listener.latest();

      writeAtomically(file, broken);

      await().atMost(WAIT).until(() -> registry.lastError().isPresent());
      long polls = registry.pollCount();
      await().atMost(WAIT).until(() -> registry.pollCount() >= polls + 4);

      InvalidDocumentException error = registry.lastError().orElseThrow();
      assertThat(error.problems()).isNotEmpty();
      ConfigProblem first = error.problems().get(0);
      assertThat(first.source()).isEqualTo(file.toString());
      if (expectedLine > 0) {
        assertThat(first.line()).isEqualTo(expectedLine);
      } else {
        assertThat(first.line()).isPositive();
      }
      assertThat(updates("rejected")).isEqualTo(1.0);
      assertThat(updates("applied")).isEqualTo(1.0);
      assertThat(stderr.occurrences(logged)).isEqualTo(1);
      assertThat(stderr.text()).contains(file + ":" + first.line());
      assertThat(listener.snapshots()).containsExactly(good);
      assertThat(registry.document().service("greeter").endpoints()).hasSize(1);
      assertThat(registry.watch("greeter", s -> {}).current()).isEqualTo(good);
      RegistryStatus refused = registry.status();
      assertThat(refused.source()).isEqualTo("file:" + file);
      assertThat(refused.version()).isEqualTo(good.version());
      assertThat(refused.rejected()).isEqualTo(error.problems());
      assertThat(refused.readProblem()).isEmpty();
      assertThat(refused.healthy()).isFalse();

      writeAtomically(file, TWO_ENDPOINTS);

      await().atMost(WAIT)
          .untilAsserted(() -> assertThat(listener.latestAddresses()).containsExactly("127.0.0.1:8081", "127.0.0.1:8082"));
      assertThat(registry.lastError()).isEmpty();
      RegistryStatus fixed = registry.status();
      assertThat(fixed.healthy()).isTrue();
      assertThat(fixed.version()).isGreaterThan(good.version()).isEqualTo(listener.latest().version());
      assertThat(fixed.lastApplied()).isPresent();
      assertThat(updates("applied")).isEqualTo(2.0);
      assertThat(updates("rejected")).isEqualTo(1.0);
      assertThat(stderr.occurrences(logged)).isEqualTo(1);
    }
  }

  @Test
  void eachDistinctBrokenContentIsRejectedAndLoggedOnce() {
    Path file = writeAtomically(dir.resolve("mesh.yaml"), ONE_ENDPOINT);
    try (FileRegistry registry = builder(file).build()) {
      writeAtomically(file, UNPARSEABLE);
      await().atMost(WAIT).until(() -> updates("rejected") == 1.0);

      writeAtomically(file, INVALID_WEIGHT);

      await().atMost(WAIT).until(() -> updates("rejected") == 2.0);
      await().atMost(WAIT).untilAsserted(() ->
          assertThat(registry.lastError().orElseThrow().problems().get(0).line()).isEqualTo(6));
      long polls = registry.pollCount();
      await().atMost(WAIT).until(() -> registry.pollCount() >= polls + 3);
      assertThat(updates("rejected")).isEqualTo(2.0);
    }
  }

  @Test
  void theMeshSettingsChangeWithTheDocument() {
    Path file = writeAtomically(dir.resolve("mesh.yaml"), ONE_ENDPOINT);
    try (FileRegistry registry = builder(file).build()) {
      RecordingListener listener = new RecordingListener();
      registry.watch("nobody", listener);
      assertThat(listener.latest().known()).isFalse();

      writeAtomically(file, ONE_ENDPOINT.replace("trustDomain: example.org", "trustDomain: example.org\n  tls: strict"));

      await().atMost(WAIT).untilAsserted(() ->
          assertThat(listener.latest().mesh()).isEqualTo(new MeshSettings("example.org", TlsMode.STRICT)));
      assertThat(listener.latest().known()).isFalse();
    }
  }

  @Test
  void aFolderMergesItsYamlFilesAndSeesFilesComeAndGo() {
    writeAtomically(dir.resolve("a.yaml"), ONE_ENDPOINT);
    writeAtomically(dir.resolve("b.yml"), """
        services:
          billing:
            endpoints: [ { address: 127.0.0.1:9001 } ]
        """);
    writeAtomically(dir.resolve(".draft.yaml"), "services: { drafted: { endpoints: [ { address: 127.0.0.1:1 } ] } }");
    writeAtomically(dir.resolve("notes.txt"), "not: [ yaml");
    try (FileRegistry registry = builder(dir).build()) {
      RecordingListener billing = new RecordingListener();
      RecordingListener audit = new RecordingListener();
      registry.watch("billing", billing);
      registry.watch("audit", audit);
      assertThat(billing.latest().known()).isTrue();
      assertThat(billing.latest().mesh().trustDomain()).isEqualTo("example.org");
      assertThat(billing.latestAddresses()).containsExactly("127.0.0.1:9001");
      assertThat(audit.latest().known()).isFalse();
      assertThat(registry.document().services()).containsOnlyKeys("greeter", "billing");

      writeAtomically(dir.resolve("c.yaml"), """
          services:
            audit:
              endpoints: [ { address: 127.0.0.1:9002 } ]
          """);

      await().atMost(WAIT).until(() -> audit.latest().known());
      assertThat(audit.latestAddresses()).containsExactly("127.0.0.1:9002");

      TestFiles.delete(dir.resolve("b.yml"));

      await().atMost(WAIT).until(() -> !billing.latest().known());
      assertThat(registry.document().services()).containsOnlyKeys("greeter", "audit");
      assertThat(billing.count()).isEqualTo(2);
    }
  }

  @Test
  void aServiceDefinedInTwoFilesOfAFolderIsRejectedNamingBoth() {
    writeAtomically(dir.resolve("a.yaml"), ONE_ENDPOINT);
    try (FileRegistry registry = builder(dir).build()) {
      writeAtomically(dir.resolve("b.yaml"), """
          services:
            greeter:
              endpoints: [ { address: 127.0.0.1:9001 } ]
          """);

      await().atMost(WAIT).until(() -> registry.lastError().isPresent());
      assertThat(registry.lastError().orElseThrow().getMessage()).contains("b.yaml");
      assertThat(registry.document().service("greeter").endpoints()).hasSize(1);
    }
  }

  @Test
  void anInvalidInitialDocumentFailsTheBuildWithFileAndLine() {
    Path file = writeAtomically(dir.resolve("mesh.yaml"), INVALID_WEIGHT);

    assertThatThrownBy(() -> builder(file).build())
        .isInstanceOfSatisfying(InvalidDocumentException.class, e -> {
          assertThat(e.problems().get(0).source()).isEqualTo(file.toString());
          assertThat(e.problems().get(0).line()).isEqualTo(6);
          assertThat(e.getMessage()).contains(file + ":6");
        });
  }

  @Test
  void anUnreadableFileIsAReadProblemInTheStatusUntilItComesBack() throws Exception {
    Path file = writeAtomically(dir.resolve("mesh.yaml"), ONE_ENDPOINT);
    try (FileRegistry registry = builder(file).build()) {
      RecordingListener listener = new RecordingListener();
      registry.watch("greeter", listener);
      assertThat(registry.status().healthy()).isTrue();

      Files.delete(file);

      await().atMost(WAIT).until(() -> registry.status().readProblem().isPresent());
      assertThat(registry.status().readProblem().orElseThrow()).contains(file.toString());
      assertThat(registry.status().rejected()).isEmpty();
      assertThat(listener.latestAddresses()).containsExactly("127.0.0.1:8081");

      writeAtomically(file, TWO_ENDPOINTS);

      await().atMost(WAIT).until(() -> registry.status().healthy());
      await().atMost(WAIT).untilAsserted(() ->
          assertThat(listener.latestAddresses()).containsExactly("127.0.0.1:8081", "127.0.0.1:8082"));
    }
  }

  @Test
  void aMissingPathFailsTheBuildNamingIt() {
    Path missing = dir.resolve("nowhere").resolve("mesh.yaml");

    assertThatThrownBy(() -> builder(missing).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(missing.toString());
  }

  @Test
  void anEmptyFolderIsAnEmptyMesh() {
    try (FileRegistry registry = builder(dir).build()) {
      RecordingListener listener = new RecordingListener();
      registry.watch("greeter", listener);
      assertThat(listener.latest().known()).isFalse();
      assertThat(listener.latest().mesh()).isEqualTo(MeshSettings.DEFAULT);
    }
  }

  @Test
  void closingTheRegistryStopsItsThreadAndIsIdempotent() {
    Path file = writeAtomically(dir.resolve("mesh.yaml"), ONE_ENDPOINT);
    FileRegistry registry = builder(file).build();
    RecordingListener listener = new RecordingListener();
    registry.watch("greeter", listener);

    registry.close();
    registry.close();
    long polls = registry.pollCount();
    writeAtomically(file, TWO_ENDPOINTS);

    await().during(Duration.ofMillis(750)).atMost(WAIT).until(() -> registry.pollCount() == polls);
    assertThat(listener.count()).isEqualTo(1);
    assertThatThrownBy(() -> registry.watch("greeter", new RecordingListener()))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void builderSettingsAreChecked() {
    assertThatThrownBy(() -> FileRegistry.builder(dir).pollInterval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pollInterval");
    assertThatThrownBy(() -> FileRegistry.builder(dir).registrationTtl(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("registrationTtl");
  }
}
