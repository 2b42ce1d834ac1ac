package io.meshwork.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Destination;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.Endpoint;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Faults on a real ZooKeeper while real calls run: ZooKeeper goes away and comes back, a
 * session expires, a process dies. Calls are GETs through a real {@link Mesh} and its OkHttp
 * client ({@code MeshHttp.client}) to small HTTP servers on 127.0.0.1.
 */
class ZooKeeperFaultsTest {
  private static final String ROOT = "/meshwork/faults";
  private static final Duration SESSION = Duration.ofSeconds(3);

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

  private ZooKeeperRegistry registry(String connect, String owner) {
    return closing(ZooKeeperRegistry.builder(connect + ROOT)
        .owner(owner)
        .sessionTimeout(SESSION)
        .connectionTimeout(Duration.ofSeconds(2))
        .build());
  }

  private Mesh mesh(String service, ZooKeeperRegistry registry) {
    return closing(Mesh.builder().serviceName(service).registry(registry)
        .meterRegistry(new SimpleMeterRegistry()).build());
  }

  private static String document(List<HttpBackend> listed) {
    StringBuilder sb = new StringBuilder("""
        services:
          greeter:
            protocol: http
            client:
              timeout: 2s
              retries: { maxAttempts: 3, on: [connect-failure, reset, unavailable], backoff: { base: 1ms, max: 5ms } }
              outlierDetection: { consecutiveFailures: 3, baseEjection: 1s, maxEjection: 1s, maxEjectedPercent: 50 }
            endpoints:
        """);
    for (HttpBackend b : listed) sb.append("      - { address: 127.0.0.1:").append(b.port()).append(" }\n");
    return sb.toString();
  }

  private static List<Integer> ports(Destination d) {
    return d.snapshot().config().endpoints().stream().map(e -> e.address().port()).toList();
  }

  @Test
  void whileZooKeeperIsDownCallsUseTheLastKnownEndpointsAndUpdatesResumeWhenItIsBack() throws Exception {
    HttpBackend b1 = closing(new HttpBackend());
    HttpBackend b2 = closing(new HttpBackend());
    HttpBackend b3 = closing(new HttpBackend());
    operator.publish(document(List.of(b1, b2)));
    ZooKeeperRegistry serverRegistry = registry(server.getConnectString(), "2@b");
    serverRegistry.register("greeter", b3.endpoint());
    ZooKeeperRegistry clientRegistry = registry(server.getConnectString(), "1@a");
    Mesh client = mesh("frontend", clientRegistry);
    Destination greeter = client.destination("greeter");
    await().atMost(Duration.ofSeconds(10)).until(() -> ports(greeter).size() == 3);
    Callers callers = closing(new Callers(client, "greeter", 2, 50_000));
    await().atMost(Duration.ofSeconds(10)).until(() -> callers.ok.get() >= 50);

    server.stop();
    await().atMost(Duration.ofSeconds(10)).until(() -> clientRegistry.status().readProblem()
        .filter(p -> p.startsWith("ZooKeeper session suspended since ")).isPresent());
    // Past the session timeout the session counts as lost; nothing is emptied meanwhile.
    await().atMost(Duration.ofSeconds(15)).until(() -> clientRegistry.status().readProblem()
        .filter(p -> p.startsWith("ZooKeeper session lost since ")).isPresent());
    assertThat(clientRegistry.status().healthy()).isFalse();
    assertThat(ports(greeter)).containsExactly(b1.port(), b2.port(), b3.port());
    int b3Hits = b3.hits.get();
    int okWhileDown = callers.ok.get();
    await().atMost(Duration.ofSeconds(10)).until(() -> callers.ok.get() >= okWhileDown + 100 && b3.hits.get() > b3Hits);

    server.restart();
    await().atMost(Duration.ofSeconds(20)).until(() -> clientRegistry.status().readProblem().isEmpty());
    // The registering process's session expired: its registration is re-created, once.
    await().atMost(Duration.ofSeconds(20)).until(() ->
        operator.client.getChildren().forPath(ROOT + "/registrations/greeter").size() == 1);
    assertThat(operator.client.getChildren().forPath(ROOT + "/registrations/greeter").get(0)).startsWith("2@b_");
    operator.publish(document(List.of(b2)));
    await().atMost(Duration.ofSeconds(10)).until(() -> ports(greeter).equals(List.of(b2.port(), b3.port())));
    int b1Hits = b1.hits.get();
    int okNow = callers.ok.get();
    await().atMost(Duration.ofSeconds(10)).until(() -> callers.ok.get() >= okNow + 100);
    callers.close();
    assertThat(b1.hits.get()).isLessThanOrEqualTo(b1Hits + 2); // calls in flight at the change
    assertThat(callers.failures).isEmpty();
    assertThat(clientRegistry.status().healthy()).isTrue();
  }

  @Test
  void afterASessionExpiryThisProcessesRegistrationsAreCreatedAgain() throws Exception {
    ZooKeeperRegistry a = registry(server.getConnectString(), "1@a");
    ZooKeeperRegistry b = registry(server.getConnectString(), "2@b");
    var watch = closing(a.watch("orders", s -> { }));
    b.register("orders", Endpoint.of("127.0.0.1:7200"));
    await().atMost(Duration.ofSeconds(10)).until(() -> watch.current().config().endpoints().size() == 1);
    String path = ROOT + "/registrations/orders/"
        + operator.client.getChildren().forPath(ROOT + "/registrations/orders").get(0);
    long oldSession = operator.client.checkExists().forPath(path).getEphemeralOwner();
    assertThat(oldSession).isEqualTo(b.client().getZookeeperClient().getZooKeeper().getSessionId());

    b.client().getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();

    // Curator's PersistentNode creates it again, at the same path, in the new session, once the
    // old session's znode is gone.
    await().atMost(Duration.ofSeconds(15)).until(() -> {
      var stat = operator.client.checkExists().forPath(path);
      long session = b.client().getZookeeperClient().getZooKeeper().getSessionId();
      return stat != null && stat.getEphemeralOwner() == session && session != oldSession;
    });
    assertThat(operator.client.getChildren().forPath(ROOT + "/registrations/orders")).hasSize(1);
    // The watching registry sees the re-created znode through its cache, a moment later.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(watch.current().config().endpoints())
        .extracting(e -> e.address().toString()).containsExactly("127.0.0.1:7200"));
    assertThat(b.status().readProblem()).isEmpty();
  }

  @Test
  void aDeadProcessesEndpointGoesWhenItsSessionExpiresAndNoIdempotentCallFails() throws Exception {
    HttpBackend survivor = closing(new HttpBackend());
    HttpBackend victim = closing(new HttpBackend());
    operator.publish(document(List.of()));
    ZooKeeperRegistry survivorRegistry = registry(server.getConnectString(), "2@b");
    survivorRegistry.register("greeter", survivor.endpoint());
    // The victim process reaches ZooKeeper through a proxy: killing it is the process dying
    // without closing its session.
    TcpProxy proxy = closing(new TcpProxy(server.getPort()));
    ZooKeeperRegistry victimRegistry = registry("127.0.0.1:" + proxy.port(), "3@c");
    victimRegistry.register("greeter", victim.endpoint());
    ZooKeeperRegistry clientRegistry = registry(server.getConnectString(), "1@a");
    Mesh client = mesh("frontend", clientRegistry);
    Destination greeter = client.destination("greeter");
    await().atMost(Duration.ofSeconds(10)).until(() -> ports(greeter).size() == 2);
    Callers callers = closing(new Callers(client, "greeter", 2, 50_000));
    // Both endpoints serve before the kill; on failure, say what the balancer saw.
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
        victim.hits.get() >= 20 && survivor.hits.get() >= 20)
        .as("victim %d hits, survivor %d hits, calls ok %d, failures %s, endpoints %s", victim.hits.get(),
            survivor.hits.get(), callers.ok.get(), callers.failures, greeter.endpoints())
        .isTrue());

    long diedAt = System.nanoTime();
    proxy.kill();
    victim.close();
    await().atMost(Duration.ofSeconds(15)).until(() -> ports(greeter).equals(List.of(survivor.port())));
    long goneAfterMillis = (System.nanoTime() - diedAt) / 1_000_000;
    int okAtRemoval = callers.ok.get();
    await().atMost(Duration.ofSeconds(10)).until(() -> callers.ok.get() >= okAtRemoval + 100);
    callers.close();

    assertThat(callers.failures).isEmpty();
    // Removed by the session expiry, not before. ZooKeeper counts the timeout from the session's
    // last ping, which the client sends every third of the timeout, and expires sessions in
    // tick-sized buckets: so the removal comes up to about half the timeout after the kill.
    assertThat(goneAfterMillis).isGreaterThanOrEqualTo(SESSION.toMillis() / 2);
    System.out.printf("dead process's endpoint removed after %d ms (session timeout %d ms); %d calls ok%n",
        goneAfterMillis, SESSION.toMillis(), callers.ok.get());
  }
}
