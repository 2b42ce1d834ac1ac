package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.meshwork.core.Destination;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.OutlierDetectionPolicy;
import io.meshwork.core.model.RetryPolicy;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The engine's choice on real connections: latency-aware picks, health-aware connections. */
class BalancingIntegrationTest {
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("greeter", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  private final List<Backend> backends = new ArrayList<>();
  private final ExecutorService workers = Executors.newFixedThreadPool(2);
  private ManagedChannel channel;

  @AfterEach
  void tearDown() throws InterruptedException {
    workers.shutdownNow();
    workers.awaitTermination(5, TimeUnit.SECONDS);
    if (channel != null) channel.shutdownNow();
    backends.forEach(Backend::close);
    clientMesh.close();
    serverMesh.close();
  }

  @Test
  void aSlowServerGetsASmallShareOfPicks() throws Exception {
    // A short EWMA decay, so the JVM's slow first calls are forgotten within the test.
    Mesh client = Mesh.builder().serviceName("frontend").registry(registry)
        .meterRegistry(new SimpleMeterRegistry()).ewmaDecay(Duration.ofSeconds(1)).build();
    for (int i = 0; i < 3; i++) backends.add(Backend.start(serverMesh));
    Meshes.put(registry, "greeter", ClientPolicy.DEFAULT, backends);
    channel = MeshGrpc.channel(client, "greeter");
    GreeterGrpc.GreeterBlockingStub stub = GreeterGrpc.newBlockingStub(channel);
    Destination greeter = client.destination("greeter");
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(1)).until(() -> {
      stub.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HelloRequest.newBuilder().setName("warm").build());
      return greeter.endpoints().stream().allMatch(e -> e.ewmaLatencyNanos() > 0 && e.ewmaLatencyNanos() < 5_000_000);
    });
    Backend slow = backends.get(2);
    slow.delay = Duration.ofMillis(40);
    backends.forEach(b -> b.hellos.set(0));

    int perThread = 300;
    List<Future<?>> loops = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      loops.add(workers.submit(() -> {
        for (int i = 0; i < perThread; i++) {
          stub.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HelloRequest.newBuilder().setName("x").build());
        }
      }));
    }
    for (Future<?> f : loops) f.get(60, TimeUnit.SECONDS);
    client.close();

    int total = backends.stream().mapToInt(b -> b.hellos.get()).sum();
    assertThat(total).isEqualTo(2 * perThread);
    // An even share would be a third. Peak EWMA keeps the slow server far below that; the bound
    // leaves room for the fast servers' own latency spikes on a loaded 2-core machine (6 % seen).
    assertThat(slow.hellos.get()).as("picks of the slow server out of %d", total).isLessThan(total / 10);
    assertThat(backends.get(0).hellos.get()).isGreaterThan(total / 5);
    assertThat(backends.get(1).hellos.get()).isGreaterThan(total / 5);
  }

  @Test
  void aNotServingServerGetsNoCallsUntilItServesAgain() {
    for (int i = 0; i < 3; i++) backends.add(Backend.start(serverMesh));
    Backend sick = backends.get(0);
    sick.server.serving(false);
    // healthCheck left at the registry default: enabled, for the server as a whole (""). The
    // policy's other settings are HealthCheckPolicyIntegrationTest's.
    ClientPolicy policy = ClientPolicy.builder()
        .retries(RetryPolicy.DEFAULT.withBackoff(Duration.ofMillis(1), Duration.ofMillis(5)))
        .outlierDetection(new OutlierDetectionPolicy(true, 5, Duration.ofMillis(300), Duration.ofMillis(300), 50, 50))
        .build();
    Meshes.put(registry, "greeter", policy, backends);
    channel = MeshGrpc.channel(clientMesh, "greeter");
    GreeterGrpc.GreeterBlockingStub stub = GreeterGrpc.newBlockingStub(channel);

    for (int i = 0; i < 300; i++) {
      stub.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HelloRequest.newBuilder().setName("x").build());
    }
    assertThat(sick.hellos.get()).isZero();
    assertThat(backends.get(1).hellos.get() + backends.get(2).hellos.get()).isEqualTo(300);

    sick.server.serving(true);
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(() -> {
      stub.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HelloRequest.newBuilder().setName("x").build());
      return sick.hellos.get() > 0;
    });
  }
}
