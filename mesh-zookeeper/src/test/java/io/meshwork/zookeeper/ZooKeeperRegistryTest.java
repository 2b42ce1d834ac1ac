package io.meshwork.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.model.Endpoint;
import io.meshwork.core.registry.ConfigProblem;
import io.meshwork.core.registry.InvalidDocumentException;
import io.meshwork.core.registry.Registration;
import io.meshwork.core.registry.RegistryStatus;
import io.meshwork.core.registry.ServiceSnapshot;
import io.meshwork.core.registry.Watch;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A real ZooKeeper (curator-test) in this JVM; registries stand for separate processes. */
class ZooKeeperRegistryTest {
  private static final String ROOT = "/meshwork/prod";
  private static final String DOC = """
      services:
        greeter:
          protocol: http
          endpoints:
            - { address: 127.0.0.1:7001 }
      """;

  private final TestingServer server = startServer();
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final Zk operator = closing(new Zk(server.getConnectString(), ROOT));

  private static TestingServer startServer() {
    try {
      return new TestingServer(true);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private <T extends AutoCloseable> T closing(T c) {
    toClose.add(c);
    return c;
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) toClose.get(i).close();
    server.close();
  }

  private ZooKeeperRegistry registry(String owner, SimpleMeterRegistry meters) {
    return closing(ZooKeeperRegistry.builder(server.getConnectString() + ROOT)
        .owner(owner)
        .sessionTimeout(Duration.ofSeconds(3))
        .connectionTimeout(Duration.ofSeconds(2))
        .meterRegistry(meters)
        .build());
  }

  private ZooKeeperRegistry registry(String owner) {
    return registry(owner, new SimpleMeterRegistry());
  }

  private static List<String> addresses(ServiceSnapshot s) {
    return s.config().endpoints().stream().map(e -> e.address().toString()).toList();
  }

  @Test
  void connectStringSplitsHostsFromOurRootPath() {
    assertThat(ZooKeeperRegistry.builder("127.0.0.1:2181/meshwork/prod/")).isNotNull();
    assertThatThrownBy(() -> ZooKeeperRegistry.builder("127.0.0.1:21x81/meshwork"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad host '127.0.0.1:21x81'");
    assertThatThrownBy(() -> ZooKeeperRegistry.builder("/meshwork"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected: host:port");
    assertThatThrownBy(() -> ZooKeeperRegistry.builder("zk1:2181//x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad root path '//x'");
  }

  @Test
  void closingARegistryLeavesNoThreadOfItsOwnBehind() throws Exception {
    operator.publish(DOC);
    java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
    ZooKeeperRegistry registry = ZooKeeperRegistry.builder(server.getConnectString() + ROOT)
        .owner("1@a").sessionTimeout(Duration.ofSeconds(3)).connectionTimeout(Duration.ofSeconds(2)).build();
    registry.watch("greeter", s -> {});
    registry.register("greeter", Endpoint.ofPort("127.0.0.1", "http", 7002));
    await().atMost(Duration.ofSeconds(10)).until(() -> registry.status().version() > 0);

    registry.close();

    // Curator's, ZooKeeper's client threads and ours; Curator 5.9.0's own "run safe" executor
    // (SafeNotifyService) would stay, hence the registry's own.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
        Thread.getAllStackTraces().keySet().stream().filter(t -> !before.contains(t) && t.isAlive())
            .map(Thread::getName).filter(n -> !n.startsWith("ForkJoinPool") && !n.startsWith("awaitility")).toList())
        .as("threads started by the registry and still alive").isEmpty());
  }

  @Test
  void documentChangesAndRegistrationsOfAnotherProcessReachEveryWatcher() throws Exception {
    operator.publish(DOC);
    ZooKeeperRegistry a = registry("1@a");
    ZooKeeperRegistry b = registry("2@b");
    assertThat(a.root()).isEqualTo(ROOT);
    List<ServiceSnapshot> seen = new CopyOnWriteArrayList<>();
    Watch watch = closing(a.watch("greeter", seen::add));
    assertThat(addresses(watch.current())).containsExactly("127.0.0.1:7001");

    // b's HTTP and gRPC servers register named ports: one endpoint, after the document's own.
    Registration http = b.register("greeter", Endpoint.ofPort("127.0.0.1", "http", 7002));
    Registration grpc = b.register("greeter", Endpoint.ofPort("127.0.0.1", "grpc", 9002));
    await().atMost(Duration.ofSeconds(10)).until(() -> watch.current().config().endpoints().size() == 2
        && watch.current().config().endpoints().get(1).ports().size() == 2);
    Endpoint merged = watch.current().config().endpoints().get(1);
    assertThat(merged.ports()).isEqualTo(Map.of("http", 7002, "grpc", 9002));
    assertThat(operator.client.getChildren().forPath(ROOT + "/registrations/greeter"))
        .hasSize(2).allSatisfy(name -> assertThat(name).matches("2@b_\\d{10}"));

    // The registering process sees its own endpoint at once.
    assertThat(b.watch("greeter", s -> { }).current().config().endpoints()).hasSize(2);

    operator.publish(DOC.replace("7001", "7003"));
    await().atMost(Duration.ofSeconds(10)).until(() -> addresses(watch.current()).get(0).equals("127.0.0.1:7003"));

    grpc.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> watch.current().config().endpoints().size() == 2
        && watch.current().config().endpoints().get(1).ports().equals(Map.of("http", 7002)));
    http.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> addresses(watch.current()).equals(List.of("127.0.0.1:7003")));
    assertThat(operator.client.getChildren().forPath(ROOT + "/registrations/greeter")).isEmpty();

    // Versions only grow; each delivered snapshot differs from the one before.
    for (int i = 1; i < seen.size(); i++) assertThat(seen.get(i).version()).isGreaterThan(seen.get(i - 1).version());
    RegistryStatus status = a.status();
    assertThat(status.source()).isEqualTo("zookeeper:" + server.getConnectString() + ROOT);
    assertThat(status.version()).isEqualTo(watch.current().version());
    assertThat(status.lastApplied()).isPresent();
    assertThat(status.healthy()).isTrue();
    assertThat(a.serviceNames()).containsExactly("greeter");
  }

  @Test
  void aRegistrationMakesAnUnknownServiceKnown() {
    ZooKeeperRegistry a = registry("1@a");
    ZooKeeperRegistry b = registry("2@b");
    Watch watch = closing(a.watch("orders", s -> { }));
    assertThat(watch.current().known()).isFalse();
    b.register("orders", Endpoint.of("127.0.0.1:7100"));
    await().atMost(Duration.ofSeconds(10)).until(() -> watch.current().known());
    assertThat(addresses(watch.current())).containsExactly("127.0.0.1:7100");
  }

  @Test
  void aBadDocumentIsRefusedByEveryProcessNamingTheZnodeAndTheLastGoodOneStays() throws Exception {
    operator.publish(DOC);
    SimpleMeterRegistry metersA = new SimpleMeterRegistry();
    SimpleMeterRegistry metersB = new SimpleMeterRegistry();
    ZooKeeperRegistry a = registry("1@a", metersA);
    ZooKeeperRegistry b = registry("2@b", metersB);
    Watch wa = closing(a.watch("greeter", s -> { }));
    Watch wb = closing(b.watch("greeter", s -> { }));
    long version = wa.current().version();

    operator.publish("""
        services:
          greeter:
            protocol: htp
            endpoints:
              - { address: 127.0.0.1:7001, weight: -1 }
        """);
    await().atMost(Duration.ofSeconds(10)).until(() -> a.lastError().isPresent() && b.lastError().isPresent());
    List<String> problemsA = a.lastError().orElseThrow().problems().stream().map(ConfigProblem::toString).toList();
    List<String> problemsB = b.lastError().orElseThrow().problems().stream().map(ConfigProblem::toString).toList();
    assertThat(problemsA).isEqualTo(problemsB).hasSize(2)
        .allSatisfy(p -> assertThat(p).matches("/meshwork/prod/document:\\d+:\\d+: .*"));
    assertThat(problemsA.get(0)).startsWith("/meshwork/prod/document:3:15: ");
    assertThat(a.status().rejected()).hasSize(2);
    assertThat(a.status().healthy()).isFalse();
    assertThat(wa.current().version()).isEqualTo(version);
    assertThat(addresses(wa.current())).containsExactly("127.0.0.1:7001");
    assertThat(addresses(wb.current())).containsExactly("127.0.0.1:7001");
    assertThat(metersA.get("mesh.registry.updates").tag("result", "rejected").counter().count()).isEqualTo(1);
    assertThat(metersB.get("mesh.registry.updates").tag("result", "rejected").counter().count()).isEqualTo(1);

    operator.publish(DOC.replace("7001", "7005"));
    await().atMost(Duration.ofSeconds(10)).until(() -> addresses(wa.current()).equals(List.of("127.0.0.1:7005"))
        && addresses(wb.current()).equals(List.of("127.0.0.1:7005")));
    assertThat(a.lastError()).isEmpty();
    assertThat(a.status().healthy()).isTrue();
    assertThat(metersA.get("mesh.registry.updates").tag("result", "applied").counter().count()).isEqualTo(2);
  }

  @Test
  void aProcessStartingOnABadDocumentFailsWithItsProblems() throws Exception {
    operator.publish("services:\n  greeter:\n    protocol: htp\n");
    assertThatThrownBy(() -> registry("1@a"))
        .isInstanceOf(InvalidDocumentException.class)
        .hasMessageContaining("/meshwork/prod/document:3:15:");
  }

  @Test
  void aMalformedRegistrationIsIgnoredAndCounted() throws Exception {
    operator.publish(DOC);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ZooKeeperRegistry a = registry("1@a", meters);
    Watch watch = closing(a.watch("greeter", s -> { }));
    operator.client.create().creatingParentsIfNeeded()
        .forPath(ROOT + "/registrations/greeter/9@x_0000000042", "address: [".getBytes());
    ZooKeeperRegistry b = registry("2@b");
    b.register("greeter", Endpoint.of("127.0.0.1:7009"));
    await().atMost(Duration.ofSeconds(10)).until(() -> watch.current().config().endpoints().size() == 2);
    assertThat(addresses(watch.current())).containsExactly("127.0.0.1:7001", "127.0.0.1:7009");
    assertThat(meters.get("mesh.registry.updates").tag("result", "rejected").counter().count()).isEqualTo(1);
  }

  @Test
  void servicesWithoutEndpointsAreWarnedAboutAfterTheGraceUnlessTheyRegistered() throws Exception {
    operator.publish("""
        services:
          lonely:
            protocol: http
          registered:
            protocol: http
        """);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ZooKeeperRegistry b = registry("2@b");
    b.register("registered", Endpoint.of("127.0.0.1:7300"));
    ZooKeeperRegistry a = closing(ZooKeeperRegistry.builder(server.getConnectString() + ROOT)
        .owner("1@a").sessionTimeout(Duration.ofSeconds(3)).connectionTimeout(Duration.ofSeconds(2))
        .registrationGrace(Duration.ofMillis(300)).meterRegistry(meters).build());
    await().atMost(Duration.ofSeconds(10)).until(() ->
        meters.get("mesh.registry.warnings").tag("reason", "no-endpoints").counter().count() >= 1);
    // A document without services, and no registrations left: warned about once.
    b.close();
    operator.publish("services: {}\n");
    await().atMost(Duration.ofSeconds(10)).until(() ->
        meters.get("mesh.registry.warnings").tag("reason", "no-services").counter().count() == 1);
    assertThat(meters.get("mesh.registry.warnings").tag("reason", "no-endpoints").counter().count()).isEqualTo(1);
  }

  @Test
  void aDeletedDocumentIsAReadProblemAndTheLastGoodOneStays() throws Exception {
    operator.publish(DOC);
    ZooKeeperRegistry a = registry("1@a");
    Watch watch = closing(a.watch("greeter", s -> { }));
    operator.client.delete().forPath(ROOT + "/document");
    await().atMost(Duration.ofSeconds(10)).until(() -> a.status().readProblem().isPresent());
    assertThat(a.status().readProblem().orElseThrow())
        .isEqualTo("/meshwork/prod/document does not exist; keeping the last good document");
    assertThat(addresses(watch.current())).containsExactly("127.0.0.1:7001");
    operator.publish(DOC.replace("7001", "7004"));
    await().atMost(Duration.ofSeconds(10)).until(() -> addresses(watch.current()).equals(List.of("127.0.0.1:7004")));
    assertThat(a.status().healthy()).isTrue();
  }

  @Test
  void anUnreachableZooKeeperFailsTheBuildWithinTheConnectionTimeout() throws Exception {
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    long start = System.nanoTime();
    assertThatThrownBy(() -> ZooKeeperRegistry.builder("127.0.0.1:" + closedPort + ROOT)
        .connectionTimeout(Duration.ofSeconds(1)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("cannot connect to ZooKeeper at 127.0.0.1:" + closedPort + " within PT1S");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }
}
