package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshwork.core.Mesh;
import io.meshwork.core.inbound.InboundGuard;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloReply;
import io.meshwork.grpc.test.HelloRequest;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The server side: refusal of late calls, request meters. */
class ServerGuardIntegrationTest {
  private static final HelloRequest HELLO = HelloRequest.newBuilder().setName("x").build();

  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("greeter", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  // One handler thread, so a slow call makes the next one queue.
  private final ExecutorService handlerThread = Executors.newSingleThreadExecutor();
  private final Backend backend = Backend.start(serverMesh, handlerThread);
  private final ManagedChannel channel;

  ServerGuardIntegrationTest() {
    Meshes.put(registry, "greeter", ClientPolicy.DEFAULT, List.of(backend));
    channel = MeshGrpc.channel(clientMesh, "greeter");
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    channel.shutdownNow();
    backend.close();
    handlerThread.shutdownNow();
    handlerThread.awaitTermination(5, TimeUnit.SECONDS);
    clientMesh.close();
    serverMesh.close();
  }

  @Test
  void aCallArrivingPastItsDeadlineIsRefusedBeforeTheHandlerRuns() throws Exception {
    GreeterGrpc.GreeterBlockingStub stub = GreeterGrpc.newBlockingStub(channel);
    stub.withDeadlineAfter(5, TimeUnit.SECONDS).register(HELLO); // connected
    backend.registerDelay = Duration.ofMillis(400);
    ListenableFuture<HelloReply> slow = GreeterGrpc.newFutureStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS).register(HELLO);
    await().atMost(Duration.ofSeconds(5)).until(() -> backend.registers.get() == 2);

    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
        () -> stub.withDeadlineAfter(100, TimeUnit.MILLISECONDS).sayHello(HELLO));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    slow.get(5, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(5)).until(() -> requests("refused") != null);
    assertThat(requests("refused").count()).isEqualTo(1);
    assertThat(backend.hellos.get()).as("SayHello handlers run").isZero();
  }

  @Test
  void servedCallsAreMeteredByStatus() {
    GreeterGrpc.GreeterBlockingStub stub = GreeterGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
    for (int i = 0; i < 3; i++) stub.sayHello(HELLO);
    backend.failWith = Status.NOT_FOUND;
    catchThrowableOfType(StatusRuntimeException.class, () -> stub.register(HELLO));

    await().atMost(Duration.ofSeconds(5)).until(() -> status("200") != null && status("200").count() == 3
        && status("404") != null);
    assertThat(status("404").count()).isEqualTo(1);
  }

  @Test
  void aCallTheClientCancelsWhileItsHandlerRunsIsRecordedAsCancelled() {
    backend.delay = Duration.ofMillis(500);
    ListenableFuture<HelloReply> call = GreeterGrpc.newFutureStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO);
    await().atMost(Duration.ofSeconds(5)).until(() -> backend.hellos.get() == 1); // the handler is running
    call.cancel(true);

    // The handler answers after the client has gone: the call is still the client's cancellation.
    await().atMost(Duration.ofSeconds(5)).until(() -> requests("cancelled") != null);
    assertThat(requests("cancelled").count()).isEqualTo(1);
    assertThat(requests("cancelled").getId().getTag("status")).isEqualTo("499");
    assertThat(serverMesh.meterRegistry().find(InboundGuard.REQUESTS).timers()).as("timers of the server's requests")
        .hasSize(1);
  }

  private Timer requests(String outcome) {
    return serverMesh.meterRegistry().find(InboundGuard.REQUESTS).tag("outcome", outcome).timer();
  }

  private Timer status(String status) {
    return serverMesh.meterRegistry().find(InboundGuard.REQUESTS).tag("status", status).timer();
  }
}
