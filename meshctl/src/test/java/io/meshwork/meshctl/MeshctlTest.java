package io.meshwork.meshctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** meshctl run in-process against a real ZooKeeper (curator-test's TestingServer on 127.0.0.1). */
class MeshctlTest {
  static final String TWO_SERVICES = """
      services:
        greeter:
          endpoints:
            - { address: 127.0.0.1:8081, labels: { version: v1 } }
        legacy:
          endpoints: [ 127.0.0.1:9001 ]
      """;

  @TempDir
  Path dir;

  TestingServer zk;
  String connect;
  final List<CuratorFramework> clients = new ArrayList<>();

  @BeforeEach
  void startZooKeeper() throws Exception {
    zk = new TestingServer(true);
    connect = "127.0.0.1:" + zk.getPort() + "/meshwork/prod";
  }

  @AfterEach
  void stopZooKeeper() throws Exception {
    for (CuratorFramework c : clients) c.close();
    zk.close();
  }

  record Result(int exit, String out, String err) {}

  static Result meshctl(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = Meshctl.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), Map.of());
    return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  Path write(String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text);
  }

  CuratorFramework client(String auth) {
    CuratorFrameworkFactory.Builder b = CuratorFrameworkFactory.builder()
        .connectString(zk.getConnectString()).retryPolicy(new RetryOneTime(100));
    if (auth != null) b.authorization("digest", auth.getBytes(StandardCharsets.UTF_8));
    CuratorFramework c = b.build();
    c.start();
    clients.add(c);
    return c;
  }

  String znodeText(String path) throws Exception {
    return new String(client(null).getData().forPath(path), StandardCharsets.UTF_8);
  }

  // ------------------------------------------------------------------ validate

  @Test
  void validateAcceptsAGoodFileAndNamesItsServices() throws Exception {
    Path file = write("mesh.yaml", TWO_SERVICES);

    Result r = meshctl("validate", file.toString());

    assertThat(r.exit()).isEqualTo(0);
    assertThat(r.out()).isEqualTo(file + ": ok, 2 services (greeter, legacy)\n");
  }

  @Test
  void validatePrintsEachProblemAsFileLineColumnAndExitsOne() throws Exception {
    Path file = write("mesh.yaml", """
        services:
          greeter:
            endpoints: [ 127.0.0.1:8081 ]
            client:
              timeout: -2s
              retries: { maxAttempts: lots }
        """);

    Result r = meshctl("validate", file.toString());

    assertThat(r.exit()).isEqualTo(1);
    List<String> lines = r.err().lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).isEqualTo(file + ":5:16: services.greeter.client.timeout: '-2s' (expected: a duration"
        + " such as 250ms, 2s, 1m or 1h; negative values are not allowed)");
    assertThat(lines.get(1)).startsWith(file + ":6:31: services.greeter.client.retries.maxAttempts: 'lots' (expected: ");
    assertThat(lines.get(2)).isEqualTo("meshctl: " + file + ": 2 problems (listed above)");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void validateMergesAFolderLikeTheFileRegistryAndReportsAServiceDefinedTwice() throws Exception {
    Path folder = Files.createDirectory(dir.resolve("mesh"));
    Files.writeString(folder.resolve("a.yaml"), "services:\n  greeter:\n    endpoints: [ 127.0.0.1:8081 ]\n");
    Files.writeString(folder.resolve("b.yml"), "services:\n  greeter:\n    endpoints: [ 127.0.0.1:8082 ]\n");
    Files.writeString(folder.resolve(".hidden.yaml"), "not: [ valid");

    Result r = meshctl("validate", folder.toString());

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).startsWith(folder.resolve("b.yml") + ":2:3: services.greeter: ")
        .contains("also defined at " + folder.resolve("a.yaml") + ":2:3");

    Files.delete(folder.resolve("b.yml"));
    Result ok = meshctl("validate", folder.toString());
    assertThat(ok.exit()).isEqualTo(0);
    assertThat(ok.out()).isEqualTo(folder + ": ok, 1 service (greeter) from 1 file\n");
  }

  @Test
  void validateOfAMissingFileExitsOne() {
    Result r = meshctl("validate", dir.resolve("nope.yaml").toString());

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("meshctl: " + dir.resolve("nope.yaml") + ": no such file or folder\n");
  }

  // ------------------------------------------------------------------ publish and get

  @Test
  void firstPublishCreatesTheDocumentAndGetPrintsItWithItsVersion() throws Exception {
    Path file = write("mesh.yaml", TWO_SERVICES);

    Result r = meshctl("publish", file.toString(), "--zookeeper", connect);

    assertThat(r.exit()).as(r.err()).isEqualTo(0);
    assertThat(r.out()).isEqualTo("added: greeter\nadded: legacy\npublished /meshwork/prod/document version 0\n");
    assertThat(znodeText("/meshwork/prod/document")).isEqualTo(TWO_SERVICES);

    Result get = meshctl("get", "--zookeeper", connect);
    assertThat(get.exit()).isEqualTo(0);
    assertThat(get.out()).isEqualTo("# meshctl: /meshwork/prod/document version 0\n" + TWO_SERVICES);
  }

  @Test
  void publishOfAnEditPrintsWhatWasAddedRemovedAndChanged() throws Exception {
    assertThat(meshctl("publish", write("v1.yaml", TWO_SERVICES).toString(), "--zookeeper", connect).exit()).isZero();
    Path edited = write("v2.yaml", """
        services:
          greeter:
            endpoints:
              - { address: 127.0.0.1:8081, labels: { version: v1 } }
              - { address: 127.0.0.1:8082, labels: { version: v2 } }
            client:
              timeout: 2s
              routes:
                - name: canary
                  match: { headers: { x-canary: "true" } }
                  to: { version: v2 }
          payments:
            endpoints: [ 127.0.0.1:7001 ]
        """);

    Result dry = meshctl("publish", edited.toString(), "--zookeeper", connect, "--dry-run");
    assertThat(dry.exit()).isZero();
    assertThat(dry.out()).isEqualTo("added: payments\nremoved: legacy\nchanged: greeter (endpoints +1 -0, policy, routes)\n"
        + "dry run: nothing written (/meshwork/prod/document is at version 0)\n");
    assertThat(znodeText("/meshwork/prod/document")).isEqualTo(TWO_SERVICES);

    Result r = meshctl("publish", edited.toString(), "--zookeeper", connect);
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("added: payments\nremoved: legacy\nchanged: greeter (endpoints +1 -0, policy, routes)\n"
        + "published /meshwork/prod/document version 1\n");

    Result again = meshctl("publish", edited.toString(), "--zookeeper", connect);
    assertThat(again.exit()).isZero();
    assertThat(again.out()).isEqualTo("no change: /meshwork/prod/document stays at version 1\n");
  }

  @Test
  void publishOfAnInvalidFileWritesNothing() throws Exception {
    Path bad = write("bad.yaml", "services:\n  greeter:\n    endpoints: [ 127.0.0.1:99999 ]\n");

    Result r = meshctl("publish", bad.toString(), "--zookeeper", connect);

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).startsWith(bad + ":3:18: services.greeter.endpoints[0]");
    assertThat(client(null).checkExists().forPath("/meshwork/prod")).isNull();
  }

  @Test
  void theSecondOfTwoOperatorsEditingTheSameVersionIsRefused() throws Exception {
    assertThat(meshctl("publish", write("v0.yaml", TWO_SERVICES).toString(), "--zookeeper", connect).exit()).isZero();
    String alice = meshctl("get", "--zookeeper", connect).out();
    String bob = meshctl("get", "--zookeeper", connect).out();
    assertThat(alice).startsWith("# meshctl: /meshwork/prod/document version 0\n");
    String aliceEdit = alice.replace("127.0.0.1:9001", "127.0.0.1:9002");
    String bobEdit = bob.replace("127.0.0.1:8081", "127.0.0.1:8089");

    Result first = meshctl("publish", write("alice.yaml", aliceEdit).toString(), "--zookeeper", connect);
    Result second = meshctl("publish", write("bob.yaml", bobEdit).toString(), "--zookeeper", connect);

    assertThat(first.exit()).as(first.err()).isZero();
    assertThat(first.out()).isEqualTo("changed: legacy (endpoints +1 -1)\npublished /meshwork/prod/document version 1\n");
    assertThat(second.exit()).isEqualTo(2);
    assertThat(second.err()).isEqualTo("meshctl: /meshwork/prod/document was changed by someone else since version 0"
        + " (now 1); run meshctl get and redo your edit\n");
    assertThat(second.out()).isEmpty();
    String stored = znodeText("/meshwork/prod/document");
    assertThat(stored).contains("127.0.0.1:9002").contains("127.0.0.1:8081").doesNotContain("8089")
        .doesNotContain("# meshctl:");

    Result aliceAgain = meshctl("publish", dir.resolve("alice.yaml").toString(), "--zookeeper", connect);
    assertThat(aliceAgain.exit()).isZero();
    assertThat(aliceAgain.out()).isEqualTo("no change: /meshwork/prod/document already holds this document (version 1)\n");

    Result forced = meshctl("publish", write("bob2.yaml", bobEdit).toString(), "--zookeeper", connect, "--if-version", "1");
    assertThat(forced.exit()).as(forced.err()).isZero();
    assertThat(forced.out()).endsWith("published /meshwork/prod/document version 2\n");
  }

  @Test
  void publishRefusesAFileGotFromAnotherRoot() throws Exception {
    Path file = write("mesh.yaml", "# meshctl: /meshwork/staging/document version 4\n" + TWO_SERVICES);

    Result r = meshctl("publish", file.toString(), "--zookeeper", connect);

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).startsWith("meshctl: " + file + ":1: the document was read from /meshwork/staging/document,"
        + " not /meshwork/prod/document");
  }

  @Test
  void publishReplacesAnInvalidDocumentWholeAndSaysSo() throws Exception {
    client(null).create().creatingParentsIfNeeded().forPath("/meshwork/prod/document",
        "services: [ not a map\n".getBytes(StandardCharsets.UTF_8));

    Result r = meshctl("publish", write("mesh.yaml", TWO_SERVICES).toString(), "--zookeeper", connect);

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.err()).startsWith("meshctl: note: the document now at /meshwork/prod/document is invalid (1 problem,"
        + " first: /meshwork/prod/document:");
    assertThat(r.out()).isEqualTo("added: greeter\nadded: legacy\npublished /meshwork/prod/document version 1\n");
    assertThat(znodeText("/meshwork/prod/document")).isEqualTo(TWO_SERVICES);
  }

  // ------------------------------------------------------------------ ACL

  @Test
  void withAuthTheDocumentIsWorldReadableButWritableOnlyByThatOperator() throws Exception {
    Path file = write("mesh.yaml", TWO_SERVICES);

    Result r = meshctl("publish", file.toString(), "--zookeeper", connect, "--auth", "ops:secret");
    assertThat(r.exit()).as(r.err()).isZero();

    CuratorFramework anonymous = client(null);
    assertThat(new String(anonymous.getData().forPath("/meshwork/prod/document"), StandardCharsets.UTF_8))
        .isEqualTo(TWO_SERVICES);
    assertThatThrownBy(() -> anonymous.setData().forPath("/meshwork/prod/document", "services: {}\n".getBytes()))
        .isInstanceOf(KeeperException.NoAuthException.class);
    assertThatThrownBy(() -> anonymous.create().forPath("/meshwork/prod/other"))
        .isInstanceOf(KeeperException.NoAuthException.class);
    assertThatThrownBy(() -> client("mallory:secret").setData().forPath("/meshwork/prod/document", new byte[0]))
        .isInstanceOf(KeeperException.NoAuthException.class);
    client("ops:secret").setData().forPath("/meshwork/prod/document", TWO_SERVICES.getBytes(StandardCharsets.UTF_8));
    // The registrations folder came with the root: any process may add its service's folder,
    // nobody but the operator may remove the folder itself.
    anonymous.create().forPath("/meshwork/prod/registrations/greeter");
    assertThat(anonymous.getChildren().forPath("/meshwork/prod/registrations")).containsExactly("greeter");
    assertThatThrownBy(() -> anonymous.setData().forPath("/meshwork/prod/registrations", new byte[] {1}))
        .isInstanceOf(KeeperException.NoAuthException.class);

    Path edit = write("edit.yaml", TWO_SERVICES.replace("9001", "9002"));
    Result denied = meshctl("publish", edit.toString(), "--zookeeper", connect);
    assertThat(denied.exit()).isEqualTo(3);
    assertThat(denied.err()).startsWith("meshctl: permission denied writing /meshwork/prod/document: a client without --auth");
    Result allowed = meshctl("publish", edit.toString(), "--zookeeper", connect, "--auth", "ops:secret");
    assertThat(allowed.exit()).as(allowed.err()).isZero();
  }

  // ------------------------------------------------------------------ endpoints

  @Test
  void endpointsListsTheDocumentsEndpointsThenLiveRegistrationsWithLabelsAndOwner() throws Exception {
    assertThat(meshctl("publish", write("mesh.yaml", TWO_SERVICES).toString(), "--zookeeper", connect).exit()).isZero();
    CuratorFramework process = client(null);
    String created = process.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
        .forPath("/meshwork/prod/registrations/greeter/4242@host-a_", """
            address: 127.0.0.1:8090
            zone: z1
            weight: 50
            labels:
              version: v2
              meshwork.io/admin: 127.0.0.1:9901
            """.getBytes(StandardCharsets.UTF_8));
    assertThat(created).matches("/meshwork/prod/registrations/greeter/4242@host-a_\\d{10}");

    Result table = meshctl("endpoints", "greeter", "--zookeeper", connect);

    assertThat(table.exit()).as(table.err()).isZero();
    assertThat(table.out()).isEqualTo("""
        SOURCE      ADDRESS         ZONE  WEIGHT  PORTS  LABELS                                       OWNER
        document    127.0.0.1:8081  -     1       -      version=v1                                   -
        registered  127.0.0.1:8090  z1    50      -      meshwork.io/admin=127.0.0.1:9901,version=v2  4242@host-a
        """);

    Result json = meshctl("endpoints", "greeter", "--zookeeper", connect, "--json");
    assertThat(json.exit()).isZero();
    assertThat(json.out()).isEqualTo("{\"service\":\"greeter\",\"endpoints\":["
        + "{\"source\":\"document\",\"address\":\"127.0.0.1:8081\",\"zone\":\"\",\"weight\":1,\"ports\":{},"
        + "\"labels\":{\"version\":\"v1\"},\"owner\":null},"
        + "{\"source\":\"registered\",\"address\":\"127.0.0.1:8090\",\"zone\":\"z1\",\"weight\":50,\"ports\":{},"
        + "\"labels\":{\"meshwork.io/admin\":\"127.0.0.1:9901\",\"version\":\"v2\"},\"owner\":\"4242@host-a\"}]}\n");
  }

  @Test
  void namedPortRegistrationsOfOneProcessAreOneEndpoint() throws Exception {
    CuratorFramework process = client(null);
    for (String yaml : List.of("address: 127.0.0.1\nports: { http: 8080 }\n", "address: 127.0.0.1\nports: { grpc: 9090 }\n")) {
      process.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
          .forPath("/meshwork/prod/registrations/orders/77@host-b_", yaml.getBytes(StandardCharsets.UTF_8));
    }

    Result r = meshctl("endpoints", "orders", "--zookeeper", connect);

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out().lines().toList()).hasSize(2);
    assertThat(r.out().lines().toList().get(1))
        .matches("registered +127\\.0\\.0\\.1:8080 +- +1 +http=8080,grpc=9090 +- +77@host-b");
  }

  @Test
  void aRegistrationOfAnAddressTheDocumentListsIsNotListedTwice() throws Exception {
    assertThat(meshctl("publish", write("mesh.yaml", TWO_SERVICES).toString(), "--zookeeper", connect).exit()).isZero();
    client(null).create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
        .forPath("/meshwork/prod/registrations/greeter/99@host-c_", "address: 127.0.0.1:8081\n".getBytes(StandardCharsets.UTF_8));

    Result r = meshctl("endpoints", "greeter", "--zookeeper", connect);

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out().lines().skip(1).toList()).singleElement().asString()
        .matches("document +127\\.0\\.0\\.1:8081 +- +1 +- +version=v1 +99@host-c");
  }

  @Test
  void endpointsOfAnUnknownServiceSuggestsTheClosestName() throws Exception {
    assertThat(meshctl("publish", write("mesh.yaml", TWO_SERVICES).toString(), "--zookeeper", connect).exit()).isZero();

    Result r = meshctl("endpoints", "greter", "--zookeeper", connect);

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("meshctl: unknown service 'greter' in /meshwork/prod (did you mean 'greeter'?)\n");
  }

  // ------------------------------------------------------------------ failures and help

  @Test
  void anUnreachableZooKeeperFailsWithinTheTimeoutWithExitThree() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    long start = System.nanoTime();

    Result r = meshctl("get", "--zookeeper", "127.0.0.1:" + closedPort, "--timeout", "1s");

    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(r.exit()).isEqualTo(3);
    assertThat(r.err()).isEqualTo("meshctl: ZooKeeper unreachable: no connection to 127.0.0.1:" + closedPort
        + " within 1s (check --zookeeper, or raise --timeout)\n");
    assertThat(took).isLessThan(Duration.ofSeconds(5));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet())
        .extracting(Thread::getName)
        .noneMatch(name -> name.contains("127.0.0.1:" + closedPort)));
  }

  @Test
  void theZooKeeperOptionComesFromTheEnvironmentWhenNotGiven() throws Exception {
    assertThat(meshctl("publish", write("mesh.yaml", TWO_SERVICES).toString(), "--zookeeper", connect).exit()).isZero();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int exit = Meshctl.run(new String[] {"get"}, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), Map.of("MESHCTL_ZOOKEEPER", connect));
    assertThat(exit).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("# meshctl: /meshwork/prod/document version 0\n");

    Result missing = meshctl("get");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).startsWith("meshctl: --zookeeper: missing");
  }

  @Test
  void helpListsTheCommandsAndExitCodes() {
    Result r = meshctl("--help");

    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("validate", "get", "publish", "endpoints", "Exit codes:",
        "2   conflict", "3   ZooKeeper unreachable, or permission denied");
    Result publishHelp = meshctl("publish", "--help");
    assertThat(publishHelp.out()).contains("--if-version", "--dry-run", "--zookeeper", "--auth", "--timeout");

    Result badTimeout = meshctl("get", "--zookeeper", connect, "--timeout", "soon");
    assertThat(badTimeout.exit()).isEqualTo(1);
    assertThat(badTimeout.err()).contains("'soon' (expected: a positive duration such as 10s, 500ms or 1m)");

    Result bad = meshctl("publish");
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.err()).contains("Missing required parameter: 'FILE'");
  }
}
