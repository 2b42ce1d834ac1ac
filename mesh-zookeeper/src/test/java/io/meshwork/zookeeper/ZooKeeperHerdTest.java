package io.meshwork.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Destination;
import io.meshwork.core.Mesh;
import io.meshwork.core.registry.ServiceSnapshot;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Many watching processes, one change: each of {@value #MESHES} meshes, each over its own
 * registry and session (as separate processes would be), sees the change exactly once, through
 * one re-read of its cache and one new snapshot; calls read no ZooKeeper.
 */
class ZooKeeperHerdTest {
  private static final int MESHES = 200;
  private static final String ROOT = "/meshwork/herd";

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private TestingServer server;

  private <T extends AutoCloseable> T closing(T c) {
    toClose.add(c);
    return c;
  }

  private final List<ZooKeeperRegistry> registries = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) toClose.get(i).close();
    // Closing 200 sessions one by one takes a while; as separate processes would, in parallel.
    ExecutorService closers = Executors.newFixedThreadPool(8);
    for (ZooKeeperRegistry r : registries) closers.execute(r::close);
    closers.shutdown();
    assertThat(closers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    if (server != null) server.close();
  }

  @Test
  void twoHundredWatchingMeshesSeeOneChangeEach() throws Exception {
    // ZooKeeper allows 60 connections per client address by default; these are 200 processes.
    server = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, -1, MESHES + 10), true);
    Zk operator = closing(new Zk(server.getConnectString(), ROOT));
    String doc = "services:\n  greeter:\n    endpoints:\n      - { address: 127.0.0.1:7001 }\n";
    operator.publish(doc);
    List<Destination> destinations = new ArrayList<>();
    List<List<ServiceSnapshot>> delivered = new ArrayList<>();
    long startNanos = System.nanoTime();
    ExecutorService starters = Executors.newFixedThreadPool(8);
    List<Future<ZooKeeperRegistry>> starting = new ArrayList<>();
    for (int i = 0; i < MESHES; i++) {
      String owner = i + "@herd";
      starting.add(starters.submit(() -> ZooKeeperRegistry.builder(server.getConnectString() + ROOT)
          .owner(owner).sessionTimeout(Duration.ofSeconds(20)).connectionTimeout(Duration.ofSeconds(20)).build()));
    }
    starters.shutdown();
    for (int i = 0; i < MESHES; i++) {
      ZooKeeperRegistry r = starting.get(i).get(60, TimeUnit.SECONDS);
      registries.add(r);
      Mesh mesh = closing(Mesh.builder().serviceName("client-" + i).registry(r)
          .meterRegistry(new SimpleMeterRegistry()).build());
      List<ServiceSnapshot> seen = new CopyOnWriteArrayList<>();
      closing(r.watch("greeter", seen::add));
      destinations.add(mesh.destination("greeter"));
      delivered.add(seen);
    }
    long startedMillis = (System.nanoTime() - startNanos) / 1_000_000;
    long[] syncsBefore = registries.stream().mapToLong(ZooKeeperRegistry::syncCount).toArray();

    // Reading the destinations' snapshots (what every call does) touches no ZooKeeper.
    for (int round = 0; round < 1_000; round++) {
      for (Destination d : destinations) assertThat(d.snapshot().config().endpoints()).hasSize(1);
    }
    for (int i = 0; i < MESHES; i++) assertThat(registries.get(i).syncCount()).isEqualTo(syncsBefore[i]);

    long changeNanos = System.nanoTime();
    operator.publish(doc.replace("7001", "7002"));
    await().atMost(Duration.ofSeconds(30)).until(() -> destinations.stream()
        .allMatch(d -> d.snapshot().config().endpoints().get(0).address().port() == 7002));
    long allSawMillis = (System.nanoTime() - changeNanos) / 1_000_000;

    for (int i = 0; i < MESHES; i++) {
      assertThat(registries.get(i).syncCount() - syncsBefore[i]).as("re-reads of registry %d", i).isEqualTo(1);
      assertThat(delivered.get(i)).as("snapshots delivered to watch %d", i).hasSize(2);
      assertThat(delivered.get(i).get(1).config().endpoints().get(0).address().port()).isEqualTo(7002);
    }
    System.out.printf("herd: %d registries started in %d ms; one change reached all in %d ms%n",
        MESHES, startedMillis, allSawMillis);
  }
}
