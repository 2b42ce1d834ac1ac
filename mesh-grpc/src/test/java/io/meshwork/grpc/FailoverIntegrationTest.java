package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.meshwork.core.Destination;
import io.meshwork.core.EndpointStatus;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.OutlierDetectionPolicy;
import io.meshwork.core.model.RetryCondition;
import io.meshwork.core.model.RetryPolicy;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real Netty servers and channels on loopback: a server stops while four threads call. */
class FailoverIntegrationTest {
  private static final ClientPolicy POLICY = ClientPolicy.builder()
      .timeout(Duration.ofSeconds(2))
      .retries(RetryPolicy.DEFAULT
          .withOn(EnumSet.of(RetryCondition.CONNECT_FAILURE, RetryCondition.RESET, RetryCondition.UNAVAILABLE), Set.of())
          .withBackoff(Duration.ofMillis(1), Duration.ofMillis(5)))
      .outlierDetection(new OutlierDetectionPolicy(true, 3, Duration.ofSeconds(30), Duration.ofSeconds(30), 50, 50))
      .build();

  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("greeter", registry);
  // A short EWMA decay: an endpoint that was slow once (the JVM's first calls) is tried again soon.
  private final Mesh clientMesh = Mesh.builder().serviceName("frontend").registry(registry)
      .meterRegistry(new SimpleMeterRegistry()).ewmaDecay(Duration.ofMillis(500)).build();
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
  void stoppingOneOfThreeServersMidRunFailsNoCallAndEjectsIt() throws Exception {
    for (int i = 0; i < 3; i++) backends.add(Backend.start(serverMesh));
    Meshes.put(registry, "greeter", POLICY, backends);
    channel = MeshGrpc.channel(clientMesh, "greeter");
    GreeterGrpc.GreeterBlockingStub stub = GreeterGrpc.newBlockingStub(channel);

    List<Future<?>> loops = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      loops.add(workers.submit(() -> {
        for (int i = 0; i < 20_000 && running.get(); i++) {
          try {
            stub.withDeadlineAfter(2, TimeUnit.SECONDS).sayHello(HelloRequest.newBuilder().setName("n" + i).build());
            ok.incrementAndGet();
          } catch (StatusRuntimeException e) {
            failures.add(e.getStatus().toString());
          }
        }
      }));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> ok.get() >= 400 && backends.stream().allMatch(b -> b.hellos.get() > 10));

    Backend stopped = backends.get(1);
    stopped.server.server().shutdownNow(); // abrupt: calls in flight are cut, the port refuses
    int okAtStop = ok.get();

    Destination greeter = clientMesh.destination("greeter");
    await().atMost(Duration.ofSeconds(10)).until(() -> status(greeter, stopped).ejected());
    await().atMost(Duration.ofSeconds(10)).until(() -> ok.get() >= okAtStop + 400);
    running.set(false);
    for (Future<?> f : loops) f.get(10, TimeUnit.SECONDS);

    assertThat(failures).isEmpty();
    assertThat(status(greeter, stopped).ejected()).isTrue();
    int hellosAfterEjection = stopped.hellos.get();
    assertThat(backends.get(0).hellos.get() + backends.get(2).hellos.get() + hellosAfterEjection).isGreaterThanOrEqualTo(ok.get());
  }

  private static EndpointStatus status(Destination d, Backend b) {
    return d.endpoints().stream().filter(s -> s.endpoint().address().equals(b.address())).findFirst().orElseThrow();
  }
}
