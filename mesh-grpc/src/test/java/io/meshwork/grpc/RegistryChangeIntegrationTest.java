package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The registry changes under load: connections follow, calls in flight finish, none fails. */
class RegistryChangeIntegrationTest {
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("greeter", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  private final List<Backend> backends = new ArrayList<>();
  private final ExecutorService workers = Executors.newFixedThreadPool(4);
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicInteger ok = new AtomicInteger();
  private final Queue<String> failures = new ConcurrentLinkedQueue<>();
  private ManagedChannel channel;

  @AfterEach
  void tearDown() throws InterruptedException {
    running.set(false);
    workers.shutdownNow();
    workers.awaitTermination(5, TimeUnit.SECONDS);
    if (channel != null) channel.shutdownNow();
    backends.forEach(Backend::close);
    clientMesh.close();
    serverMesh.close();
  }

  @Test
  void replacingEveryEndpointMovesCallsWithoutFailingThoseInFlight() throws Exception {
    for (int i = 0; i < 4; i++) {
      Backend b = Backend.start(serverMesh);
      b.delay = Duration.ofMillis(20); // calls are in flight when the registry changes
      backends.add(b);
    }
    List<Backend> before = backends.subList(0, 2);
    List<Backend> after = backends.subList(2, 4);
    Meshes.put(registry, "greeter", ClientPolicy.DEFAULT, before);
    channel = MeshGrpc.channel(clientMesh, "greeter");
    GreeterGrpc.GreeterBlockingStub stub = GreeterGrpc.newBlockingStub(channel);

    List<Future<?>> loops = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      loops.add(workers.submit(() -> {
        for (int i = 0; i < 10_000 && running.get(); i++) {
          try {
            stub.withDeadlineAfter(2, TimeUnit.SECONDS).register(HelloRequest.newBuilder().setName("n").build());
            ok.incrementAndGet();
          } catch (StatusRuntimeException e) {
            failures.add(e.getStatus().toString());
          }
        }
      }));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> ok.get() >= 40);

    Meshes.put(registry, "greeter", ClientPolicy.DEFAULT, after); // Register is not idempotent: no retry hides a failure
    int okAtChange = ok.get();
    await().atMost(Duration.ofSeconds(10)).until(() -> after.stream().allMatch(b -> b.registers.get() >= 10));
    int oldCallsAfterSettling = before.stream().mapToInt(b -> b.registers.get()).sum();
    await().atMost(Duration.ofSeconds(10)).until(() -> ok.get() >= okAtChange + 80);
    running.set(false);
    for (Future<?> f : loops) f.get(10, TimeUnit.SECONDS);

    assertThat(failures).isEmpty();
    assertThat(before.stream().mapToInt(b -> b.registers.get()).sum()).as("calls to removed endpoints")
        .isEqualTo(oldCallsAfterSettling);
    int total = backends.stream().mapToInt(b -> b.registers.get()).sum();
    assertThat(total).isEqualTo(ok.get());
  }
}
