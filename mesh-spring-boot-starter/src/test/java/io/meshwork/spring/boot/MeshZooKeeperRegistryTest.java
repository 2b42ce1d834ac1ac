package io.meshwork.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.meshwork.core.Mesh;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.registry.FileRegistry;
import io.meshwork.core.registry.Registry;
import io.meshwork.zookeeper.ZooKeeperRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Which registry {@code meshwork.registry.*} makes: ZooKeeper when the connect string is set (a
 * real ZooKeeper, curator-test's {@code TestingServer} on 127.0.0.1), the file otherwise; and the
 * start-up failures that name the property, with and without mesh-zookeeper on the class path.
 */
class MeshZooKeeperRegistryTest {
  @TempDir Path dir;
  Path registryFile;
  TestingServer zookeeper;
  ApplicationContextRunner runner;

  @BeforeEach
  void start() throws Exception {
    registryFile = dir.resolve("mesh.yaml");
    Files.writeString(registryFile, "services: {}\n");
    zookeeper = new TestingServer(true);
    runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class))
        .withPropertyValues("meshwork.service-name=frontend",
            "meshwork.registry.zookeeper.session-timeout=4s");
  }

  @AfterEach
  void stop() throws IOException {
    zookeeper.close();
  }

  private String connect() {
    return zookeeper.getConnectString() + "/meshwork/boot";
  }

  @Test
  void theZooKeeperRegistryIsChosenWhenTheConnectStringIsSet() {
    ZooKeeperRegistry[] seen = new ZooKeeperRegistry[1];
    runner.withPropertyValues("meshwork.registry.zookeeper.connect=" + connect()).run(context -> {
      assertThat(context).hasNotFailed().hasSingleBean(ZooKeeperRegistry.class);
      ZooKeeperRegistry registry = context.getBean(ZooKeeperRegistry.class);
      seen[0] = registry;
      assertThat(context.getBean(Mesh.class).registry()).isSameAs(registry);
      assertThat(registry.root()).isEqualTo("/meshwork/boot");
      assertThat(registry.status().source()).startsWith("zookeeper:").endsWith("/meshwork/boot");
      assertThat(registry.status().readProblem()).isEmpty();
    });
    // Closed with the context: no more registrations.
    assertThat(catchThrowable(() -> seen[0].register("frontend", Endpoint.of("127.0.0.1:1"))))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void kindFileWinsOverAConnectString() {
    runner.withPropertyValues("meshwork.registry.kind=file", "meshwork.registry.file=" + registryFile,
        "meshwork.registry.zookeeper.connect=" + connect()).run(context -> {
          assertThat(context).hasNotFailed().hasSingleBean(FileRegistry.class);
          assertThat(context).doesNotHaveBean(ZooKeeperRegistry.class);
        });
  }

  @Test
  void kindZooKeeperWinsOverAFile() {
    runner.withPropertyValues("meshwork.registry.kind=zookeeper", "meshwork.registry.file=" + registryFile,
        "meshwork.registry.zookeeper.connect=" + connect()).run(context ->
            assertThat(context).hasNotFailed().hasSingleBean(ZooKeeperRegistry.class));
  }

  @Test
  void aFileAndAConnectStringWithoutAKindFailNamingBoth() {
    runner.withPropertyValues("meshwork.registry.file=" + registryFile,
        "meshwork.registry.zookeeper.connect=" + connect()).run(context ->
            assertThat(ours(context.getStartupFailure())).isEqualTo("meshwork.registry.file and"
                + " meshwork.registry.zookeeper.connect: both set (expected: one of them, or"
                + " meshwork.registry.kind=file|zookeeper to choose)"));
  }

  @Test
  void kindZooKeeperWithoutAConnectStringFailsNamingIt() {
    runner.withPropertyValues("meshwork.registry.kind=zookeeper").run(context ->
        assertThat(ours(context.getStartupFailure()))
            .startsWith("meshwork.registry.zookeeper.connect: not set"));
  }

  @Test
  void aBadConnectStringFailsNamingTheProperty() {
    runner.withPropertyValues("meshwork.registry.zookeeper.connect=127.0.0.1:notaport/meshwork").run(context ->
        assertThat(ours(context.getStartupFailure()))
            .startsWith("meshwork.registry.zookeeper.connect: 127.0.0.1:notaport/meshwork (expected:"
                + " host:port[,host:port...][/root]"));
    runner.withPropertyValues("meshwork.registry.zookeeper.connect=" + zookeeper.getConnectString() + "/bad//root")
        .run(context -> assertThat(ours(context.getStartupFailure()))
            .startsWith("meshwork.registry.zookeeper.connect: ").contains("root"));
  }

  @Test
  void anUnreachableEnsembleFailsNamingTheConnectString() {
    runner.withPropertyValues("meshwork.registry.zookeeper.connect=127.0.0.1:1/meshwork",
        "meshwork.registry.zookeeper.connection-timeout=500ms").run(context ->
            assertThat(ours(context.getStartupFailure()))
                .startsWith("meshwork.registry.zookeeper.connect: 127.0.0.1:1/meshwork (expected:"
                    + " a ZooKeeper ensemble reachable within meshwork.registry.zookeeper.connection-timeout;"));
  }

  @Test
  void badDurationsFailNamingTheProperty() {
    // Not a duration: Boot's binder names the property.
    runner.withPropertyValues("meshwork.registry.zookeeper.connect=" + connect(),
        "meshwork.registry.zookeeper.session-timeout=fifteen").run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure())
              .hasStackTraceContaining("meshwork.registry.zookeeper.session-timeout");
        });
    // A duration, but not a positive one: ours.
    runner.withPropertyValues("meshwork.registry.zookeeper.connect=" + connect(),
        "meshwork.registry.zookeeper.connection-timeout=0s").run(context ->
            assertThat(ours(context.getStartupFailure())).isEqualTo(
                "meshwork.registry.zookeeper.connection-timeout: PT0S (expected: a positive duration, e.g. 10s)"));
    runner.withPropertyValues("meshwork.registry.zookeeper.connect=" + connect(),
        "meshwork.registry.zookeeper.session-timeout=-1s").run(context ->
            assertThat(ours(context.getStartupFailure())).isEqualTo(
                "meshwork.registry.zookeeper.session-timeout: PT-1S (expected: a positive duration, e.g. 15s)"));
  }

  @Test
  void badCredentialsFailNamingThePropertyWithoutItsValue() {
    runner.withPropertyValues("meshwork.registry.zookeeper.connect=" + connect(),
        "meshwork.registry.zookeeper.auth=s3cret-without-user").run(context -> {
          assertThat(ours(context.getStartupFailure()))
              .startsWith("meshwork.registry.zookeeper.auth: (value hidden) (expected: digest credentials");
          assertThat(context.getStartupFailure()).hasStackTraceContaining("meshwork.registry.zookeeper.auth");
          assertThat(stackTrace(context.getStartupFailure())).doesNotContain("s3cret");
        });
  }

  @Test
  void digestCredentialsAreUsed() {
    runner.withPropertyValues("meshwork.registry.zookeeper.connect=" + connect(),
        "meshwork.registry.zookeeper.auth=frontend:password").run(context -> {
          assertThat(context).hasNotFailed();
          // The registration is created under the digest identity: only it may change it.
          try (var r = context.getBean(ZooKeeperRegistry.class).register("frontend", Endpoint.of("127.0.0.1:7001"))) {
            try (var client = org.apache.curator.framework.CuratorFrameworkFactory.newClient(
                zookeeper.getConnectString(), new org.apache.curator.retry.RetryOneTime(100))) {
              client.start();
              String folder = "/meshwork/boot/registrations/frontend";
              String child = client.getChildren().forPath(folder).get(0);
              assertThat(client.getACL().forPath(folder + "/" + child)).anySatisfy(acl ->
                  assertThat(acl.getId().getScheme()).isEqualTo("digest"));
            }
          }
        });
  }

  @Test
  void withoutMeshZooKeeperTheFileRegistryStillWorks() {
    runner.withClassLoader(new FilteredClassLoader(ZooKeeperRegistry.class))
        .withPropertyValues("meshwork.registry.file=" + registryFile).run(context -> {
          assertThat(context).hasNotFailed().hasSingleBean(FileRegistry.class);
          assertThat(context.getBean(Registry.class).status().source()).startsWith("file:");
        });
  }

  @Test
  void withoutMeshZooKeeperAConnectStringFailsNamingTheArtifact() {
    runner.withClassLoader(new FilteredClassLoader(ZooKeeperRegistry.class))
        .withPropertyValues("meshwork.registry.zookeeper.connect=" + connect()).run(context ->
            assertThat(ours(context.getStartupFailure())).isEqualTo("meshwork.registry.zookeeper.connect: "
                + connect() + " (expected: the ZooKeeper registry on the class path: add the dependency"
                + " io.meshwork:mesh-zookeeper, or use meshwork.registry.file)"));
  }

  @Test
  void theNewPropertiesAreDescribedInTheMetadata() throws IOException {
    String generated = resource("META-INF/spring-configuration-metadata.json");
    for (String p : new String[] {"kind", "zookeeper.connect", "zookeeper.auth", "zookeeper.session-timeout",
        "zookeeper.connection-timeout"}) {
      assertThat(generated).containsPattern("\"name\": \"meshwork\\.registry\\." + p.replace(".", "\\.")
          + "\",[^}]*\"description\": \"[A-Z]");
    }
    assertThat(generated).contains("\"defaultValue\": \"15s\"").contains("\"defaultValue\": \"10s\"");
    assertThat(resource("META-INF/additional-spring-configuration-metadata.json"))
        .contains("\"name\": \"meshwork.registry.kind\"").contains("\"value\": \"zookeeper\"");
  }

  private static String resource(String name) throws IOException {
    try (var in = MeshZooKeeperRegistryTest.class.getClassLoader().getResourceAsStream(name)) {
      assertThat(in).as(name).isNotNull();
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  /** The starter's own message in the failure's causes: the one naming a property. */
  private static String ours(Throwable failure) {
    assertThat(failure).as("start-up failure").isNotNull();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof IllegalStateException && t.getMessage() != null && t.getMessage().startsWith("meshwork.")) {
        return t.getMessage();
      }
    }
    throw new AssertionError("no meshwork.* message in " + stackTrace(failure));
  }

  private static String stackTrace(Throwable t) {
    var out = new java.io.StringWriter();
    t.printStackTrace(new java.io.PrintWriter(out));
    return out.toString();
  }
}
