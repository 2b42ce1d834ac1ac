package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.HealthCheckPolicy;
import io.meshwork.core.model.LoadBalancerKind;
import io.meshwork.core.model.OutlierDetectionPolicy;
import io.meshwork.core.model.RetryPolicy;
import io.meshwork.core.registry.DocumentSource;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.core.registry.MeshDocumentParser;
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
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The registry's {@code client.healthCheck} policy drives client-side health checking, live, on
 * real Netty servers and channels on loopback. Three servers, one of them "sick": NOT_SERVING as
 * a whole, or only for the Greeter service. (That a NOT_SERVING server gets no calls under the
 * default policy, and gets them again once it serves, is {@link
 * BalancingIntegrationTest#aNotServingServerGetsNoCallsUntilItServesAgain}.)
 *
 * <p>Round robin, so that a server that is picked gets a third of the calls and the shares are
 * not left to peak-EWMA's latency estimates; outlier ejection is short, so that a server
 * ejected after picks failed on its NOT_SERVING connection is tried again within the test once
 * checking stops.
 */
class HealthCheckPolicyIntegrationTest {
  private static final int CALLS = 300;
  private static final String GREETER = GreeterGrpc.SERVICE_NAME; // meshwork.test.Greeter
  private static final ClientPolicy CHECKED = ClientPolicy.builder()
      .loadBalancer(LoadBalancerKind.ROUND_ROBIN)
      .retries(RetryPolicy.DEFAULT.withBackoff(Duration.ofMillis(1), Duration.ofMillis(5)))
      .outlierDetection(new OutlierDetectionPolicy(true, 5, Duration.ofMillis(300), Duration.ofMillis(300), 50, 50))
      .build();
  private static final ClientPolicy UNCHECKED = CHECKED.toBuilder().healthCheck(HealthCheckPolicy.disabled()).build();

  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("greeter", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  private final List<Backend> backends = new ArrayList<>();
  private final ExecutorService workers = Executors.newFixedThreadPool(2);
  private final AtomicBoolean running = new AtomicBoolean(true);
  /** Whether background callers run (see {@link #callInBackground}). */
  private volatile boolean background;
  private final AtomicInteger ok = new AtomicInteger();
  private final Queue<String> failures = new ConcurrentLinkedQueue<>();
  private Backend sick;
  private ManagedChannel channel;
  private GreeterGrpc.GreeterBlockingStub stub;

  @BeforeEach
  void startServers() {
    for (int i = 0; i < 3; i++) backends.add(Backend.start(serverMesh));
    sick = backends.get(0);
  }

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
  void withCheckingOffInThePolicyANotServingServerKeepsItsShare() {
    sick.server.serving(false);
    Meshes.put(registry, "greeter", UNCHECKED, backends);
    connect(MeshGrpc.channel(clientMesh, "greeter"));

    callSequentially(CALLS);

    assertThat(total()).isEqualTo(CALLS);
    // Round robin gives each server a third; the sick one is called as if it were healthy.
    assertThat(sick.hellos.get()).as("calls to the NOT_SERVING server, of %d", CALLS).isGreaterThan(CALLS / 5);
  }

  @Test
  void turningCheckingOnInTheRegistryStopsPicksOfANotServingServerLiveWithoutAFailedCall() throws Exception {
    sick.server.serving(false);
    Meshes.put(registry, "greeter", UNCHECKED, backends);
    connect(MeshGrpc.channel(clientMesh, "greeter"));
    List<Future<?>> loops = callInBackground(2);
    await().atMost(Duration.ofSeconds(10)).until(() -> sick.hellos.get() >= 20);

    Meshes.put(registry, "greeter", CHECKED, backends); // enabled: true, the policy's default

    awaitNoCallsTo(sick);
    int sickAfter = sick.hellos.get();
    int okAfter = ok.get();
    await().atMost(Duration.ofSeconds(10)).until(() -> ok.get() >= okAfter + CALLS);
    running.set(false);
    for (Future<?> f : loops) f.get(10, TimeUnit.SECONDS);

    assertThat(failures).as("failed calls").isEmpty();
    assertThat(sick.hellos.get()).as("calls to the NOT_SERVING server once checking took effect").isEqualTo(sickAfter);
    assertThat(total()).isEqualTo(ok.get());
  }

  @Test
  void thePolicysServiceNameIsTheOneChecked() {
    sick.server.health().setStatus(GREETER, ServingStatus.NOT_SERVING); // the server as a whole ("") still serves
    Meshes.put(registry, "greeter", CHECKED, backends);
    connect(MeshGrpc.channel(clientMesh, "greeter"));

    callSequentially(CALLS);
    assertThat(sick.hellos.get()).as("checking \"\": the server as a whole serves").isGreaterThan(CALLS / 5);

    // The same policy from a registry document: check the Greeter service by name.
    registry.setDocument(MeshDocumentParser.parse(new DocumentSource("mesh.yaml", """
        services:
          greeter:
            protocol: grpc
            endpoints: [ %s ]
            client:
              loadBalancer: round-robin
              retries: { backoff: { base: 1ms, max: 5ms } }
              outlierDetection: { baseEjection: 300ms, maxEjection: 300ms }
              healthCheck: { enabled: true, service: %s }
        """.formatted(backends.stream().map(b -> "127.0.0.1:" + b.port()).collect(Collectors.joining(", ")),
            GREETER))));
    assertThat(registry.document().service("greeter").client())
        .isEqualTo(CHECKED.toBuilder().healthCheck(new HealthCheckPolicy(true, GREETER)).build());

    awaitNoCallsTo(sick);
    int sickAfter = sick.hellos.get();
    callSequentially(CALLS);
    assertThat(sick.hellos.get()).as("checking %s: NOT_SERVING", GREETER).isEqualTo(sickAfter);
  }

  @Test
  void theChannelsNoHealthCheckArgumentTurnsCheckingOffWhateverTheRegistrySays() {
    sick.server.serving(false);
    Meshes.put(registry, "greeter", CHECKED, backends);
    connect(MeshGrpc.channelBuilder(clientMesh, "greeter")
        .setNameResolverArg(MeshNameResolverProvider.HEALTH_CHECK_SERVICE, MeshGrpc.NO_HEALTH_CHECK)
        .build());

    callSequentially(CALLS);

    assertThat(total()).isEqualTo(CALLS);
    assertThat(sick.hellos.get()).as("calls to the NOT_SERVING server, of %d", CALLS).isGreaterThan(CALLS / 5);
  }

  @Test
  void theChannelsServiceNameArgumentReplacesThePolicysNameAndThePolicyStillTurnsCheckingOff() {
    sick.server.health().setStatus(GREETER, ServingStatus.NOT_SERVING);
    Meshes.put(registry, "greeter", CHECKED, backends); // checks "" by itself
    connect(MeshGrpc.channelBuilder(clientMesh, "greeter")
        .setNameResolverArg(MeshNameResolverProvider.HEALTH_CHECK_SERVICE, GREETER)
        .build());

    callSequentially(CALLS);
    assertThat(sick.hellos.get()).as("the channel checks %s", GREETER).isZero();
    assertThat(total()).isEqualTo(CALLS);

    // enabled: false in the registry is every caller's off switch, named services included.
    Meshes.put(registry, "greeter", UNCHECKED, backends);
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(() -> {
      hello();
      return sick.hellos.get() > 0;
    });
  }

  private void connect(ManagedChannel c) {
    channel = c;
    stub = GreeterGrpc.newBlockingStub(channel);
  }

  private void hello() {
    stub.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HelloRequest.newBuilder().setName("x").build());
  }

  private void callSequentially(int n) {
    for (int i = 0; i < n; i++) hello();
  }

  private List<Future<?>> callInBackground(int threads) {
    background = true;
    List<Future<?>> loops = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      loops.add(workers.submit(() -> {
        while (running.get()) {
          try {
            hello();
            ok.incrementAndGet();
          } catch (StatusRuntimeException e) {
            failures.add(e.getStatus().toString());
          }
        }
      }));
    }
    return loops;
  }

  /**
   * Waits (at most 10 s) until {@code server} has had no call during {@value #CALLS} calls in a
   * row, made here or by background callers.
   */
  private void awaitNoCallsTo(Backend server) {
    int[] mark = {server.hellos.get(), total()};
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(() -> {
      if (!background) callSequentially(10);
      int calls = server.hellos.get();
      int all = total();
      if (calls != mark[0]) {
        mark[0] = calls;
        mark[1] = all;
      }
      return all - mark[1] >= CALLS;
    });
  }

  private int total() {
    return backends.stream().mapToInt(b -> b.hellos.get()).sum();
  }
}
