package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshwork.core.CircuitOpenException;
import io.meshwork.core.ConcurrencyLimitException;
import io.meshwork.core.DeadlineExceededException;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshException;
import io.meshwork.core.NoEndpointsException;
import io.meshwork.core.RetryBudgetExhaustedException;
import io.meshwork.core.model.CircuitBreakerPolicy;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.RetryBudgetPolicy;
import io.meshwork.core.model.RetryPolicy;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloReply;
import io.meshwork.grpc.test.HelloRequest;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each mesh rule that stops a call surfaces as its gRPC status, with the mesh reason. */
class StatusMappingIntegrationTest {
  private static final HelloRequest HELLO = HelloRequest.newBuilder().setName("x").build();

  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("greeter", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  private final List<Backend> backends = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void tearDown() {
    channels.forEach(ManagedChannel::shutdownNow);
    backends.forEach(Backend::close);
    clientMesh.close();
    serverMesh.close();
  }

  private GreeterGrpc.GreeterBlockingStub stub(String service) {
    ManagedChannel ch = MeshGrpc.channel(clientMesh, service);
    channels.add(ch);
    return GreeterGrpc.newBlockingStub(ch);
  }

  private Backend backend(ClientPolicy policy) {
    Backend b = Backend.start(serverMesh);
    backends.add(b);
    Meshes.put(registry, "greeter", policy, List.of(b));
    return b;
  }

  private static StatusRuntimeException failure(Runnable call) {
    return catchThrowableOfType(StatusRuntimeException.class, call::run);
  }

  private static void assertMapped(StatusRuntimeException e, Status.Code code, Class<? extends MeshException> rule, String reason) {
    assertThat(e).as("the call should fail").isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(code);
    assertThat(e.getStatus().getDescription()).contains(reason);
    assertThat(e.getStatus().getCause()).isInstanceOf(rule);
  }

  @Test
  void anUnknownServiceIsUnavailableWithNoEndpoints() {
    StatusRuntimeException e = failure(() -> stub("nowhere").withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO));
    assertMapped(e, Status.Code.UNAVAILABLE, NoEndpointsException.class, "nowhere: no endpoints (unknown service");
  }

  @Test
  void aServiceWithoutEndpointsIsUnavailableWithNoEndpoints() {
    registry.putService(ServiceConfig.of("greeter"));
    StatusRuntimeException e = failure(() -> stub("greeter").withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO));
    assertMapped(e, Status.Code.UNAVAILABLE, NoEndpointsException.class, "greeter: no endpoints (the registry lists none)");
  }

  @Test
  void anOpenCircuitIsUnavailable() {
    Backend b = backend(ClientPolicy.builder()
        .retries(RetryPolicy.none())
        .circuitBreaker(new CircuitBreakerPolicy(true, 50, Duration.ofSeconds(10), 4, Duration.ofSeconds(30), 1))
        .build());
    b.failWith = Status.INTERNAL.withDescription("broken");
    GreeterGrpc.GreeterBlockingStub greeter = stub("greeter");
    for (int i = 0; i < 4; i++) {
      assertThat(failure(() -> greeter.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO)).getStatus().getCode())
          .isEqualTo(Status.Code.INTERNAL);
    }
    StatusRuntimeException e = failure(() -> greeter.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO));
    assertMapped(e, Status.Code.UNAVAILABLE, CircuitOpenException.class, "greeter: circuit open");
    assertThat(b.hellos.get()).isEqualTo(4);
  }

  @Test
  void aPassedDeadlineIsDeadlineExceeded() {
    Backend b = backend(ClientPolicy.DEFAULT);
    GreeterGrpc.GreeterBlockingStub greeter = stub("greeter");
    greeter.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO); // connected
    b.delay = Duration.ofMillis(500);
    long start = System.nanoTime();
    StatusRuntimeException e = failure(() -> greeter.withDeadlineAfter(100, TimeUnit.MILLISECONDS).sayHello(HELLO));
    long tookMillis = (System.nanoTime() - start) / 1_000_000;
    // The caller's own deadline: gRPC's status and words (see CallerDeadlineStatusIntegrationTest),
    // the mesh's reason as the cause.
    assertMapped(e, Status.Code.DEADLINE_EXCEEDED, DeadlineExceededException.class, "CallOptions deadline exceeded after");
    assertThat(e.getStatus().getCause()).hasMessageStartingWith("greeter: deadline exceeded");
    assertThat(tookMillis).as("not before the deadline").isGreaterThanOrEqualTo(90L);
  }

  @Test
  void anInheritedDeadlineAlreadyPassedIsDeadlineExceededBeforeAnythingIsSent() throws Exception {
    Backend b = backend(ClientPolicy.DEFAULT);
    GreeterGrpc.GreeterBlockingStub greeter = stub("greeter");
    greeter.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO); // connected
    java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    try {
      io.grpc.Context.CancellableContext expired = io.grpc.Context.current()
          .withDeadlineAfter(1, TimeUnit.NANOSECONDS, timer);
      TimeUnit.MILLISECONDS.sleep(5);
      StatusRuntimeException e = expired.call(() -> failure(() -> greeter.sayHello(HELLO)));
      assertMapped(e, Status.Code.DEADLINE_EXCEEDED, DeadlineExceededException.class, "context timed out"); // gRPC's words
      assertThat(e.getStatus().getCause()).hasMessageStartingWith("greeter: deadline exceeded before the call started (inherited deadline passed");
      assertThat(b.hellos.get()).isEqualTo(1);
    } finally {
      timer.shutdownNow();
    }
  }

  @Test
  void anExhaustedRetryBudgetIsResourceExhausted() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    registry.putService(ServiceConfig.builder("greeter")
        .addEndpoint(Endpoint.of("127.0.0.1:" + closedPort))
        .client(ClientPolicy.builder()
            .retryBudget(new RetryBudgetPolicy(0, 0, Duration.ofSeconds(10)))
            .build())
        .build());
    StatusRuntimeException e = failure(() -> stub("greeter").withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO));
    assertMapped(e, Status.Code.RESOURCE_EXHAUSTED, RetryBudgetExhaustedException.class, "greeter: retry budget exhausted");
    assertThat(e.getStatus().getDescription()).contains("connect-failure");
  }

  @Test
  void theConcurrencyLimitIsResourceExhausted() throws Exception {
    Backend b = backend(ClientPolicy.builder().maxConcurrentRequests(1).build());
    b.delay = Duration.ofMillis(400);
    ManagedChannel ch = MeshGrpc.channel(clientMesh, "greeter");
    channels.add(ch);
    ListenableFuture<HelloReply> first = GreeterGrpc.newFutureStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO);
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> b.hellos.get() == 1);
    StatusRuntimeException e = failure(() -> GreeterGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO));
    assertMapped(e, Status.Code.RESOURCE_EXHAUSTED, ConcurrencyLimitException.class, "greeter: ");
    try {
      assertThat(first.get(5, TimeUnit.SECONDS).getMessage()).isEqualTo("hello x");
    } catch (ExecutionException ex) {
      throw new AssertionError(ex);
    }
  }
}
