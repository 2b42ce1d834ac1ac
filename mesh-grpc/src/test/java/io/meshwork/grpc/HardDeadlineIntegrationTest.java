package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.meshwork.core.DeadlineExceededException;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshContext;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.Protocol;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.test.CountReply;
import io.meshwork.grpc.test.CountRequest;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloReply;
import io.meshwork.grpc.test.HelloRequest;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * gRPC's deadline is a hard bound on a mesh channel: a server that answers late, or streams one
 * message per 100 ms, fails the caller with DEADLINE_EXCEEDED at its 300 ms deadline, and the
 * server's handler is told (gRPC's {@code Context} and the mesh's cancellation are cancelled) at
 * that deadline too.
 */
class HardDeadlineIntegrationTest {
  private static final HelloRequest HELLO = HelloRequest.newBuilder().setName("x").build();
  private static final long DEADLINE_MILLIS = 300;
  /**
   * Wall time is the behaviour under test: ±10 % of the deadline. The upper bound has 30 ms more
   * slack because the machine these tests run on is shared (2 cores, several builds).
   */
  private static final long EARLIEST_MILLIS = 270;
  private static final long LATEST_MILLIS = 360;

  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("greeter", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  private final AtomicInteger sent = new AtomicInteger();
  /** What the slow handler saw: System.nanoTime() when gRPC's Context and the mesh's cancellation fired. */
  private final CompletableFuture<Long> grpcCancelledAt = new CompletableFuture<>();
  private final CompletableFuture<Long> meshCancelledAt = new CompletableFuture<>();
  private final CompletableFuture<Boolean> cancelledOnEntry = new CompletableFuture<>();
  private volatile boolean slow;
  private MeshServer server;
  private ManagedChannel channel;
  private GreeterGrpc.GreeterBlockingStub stub;

  @BeforeEach
  void setUp() {
    server = MeshGrpc.server(serverMesh).addService(new Slow()).start();
    registry.putService(ServiceConfig.builder("greeter").protocol(Protocol.GRPC)
        .endpoints(List.of(Endpoint.of("127.0.0.1:" + server.port())))
        .client(ClientPolicy.builder().timeout(Duration.ofMillis(DEADLINE_MILLIS)).build())
        .build());
    channel = MeshGrpc.channel(clientMesh, "greeter");
    stub = GreeterGrpc.newBlockingStub(channel);
    for (int i = 0; i < 5; i++) { // connected, classes loaded: the deadline is the server's to spend
      try {
        stub.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO);
      } catch (StatusRuntimeException e) {
        // still warming up
      }
    }
    slow = true;
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    server.shutdownNow();
    clientMesh.close();
    serverMesh.close();
    registry.close();
  }

  /** SayHello answers after 2 s unless cancelled first; Count sends one message per 100 ms. */
  private final class Slow extends GreeterGrpc.GreeterImplBase {
    @Override
    public void sayHello(HelloRequest request, StreamObserver<HelloReply> out) {
      if (!slow) {
        out.onNext(HelloReply.newBuilder().setMessage("fast").build());
        out.onCompleted();
        return;
      }
      io.grpc.Context grpc = io.grpc.Context.current();
      cancelledOnEntry.complete(MeshContext.isCancelled() || grpc.isCancelled());
      grpc.addListener(c -> grpcCancelledAt.complete(System.nanoTime()), Runnable::run);
      MeshContext.currentCancellation().onCancelled(() -> meshCancelledAt.complete(System.nanoTime()));
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      while (!grpc.isCancelled() && System.nanoTime() < until) {
        sleep(5); // a handler that polls, as the README suggests
      }
      if (grpc.isCancelled()) return; // nobody to answer
      out.onNext(HelloReply.newBuilder().setMessage("late").build());
      out.onCompleted();
    }

    @Override
    public void count(CountRequest request, StreamObserver<CountReply> out) {
      for (int i = 1; i <= request.getCount() && !io.grpc.Context.current().isCancelled(); i++) {
        out.onNext(CountReply.newBuilder().setN(i).build());
        sent.incrementAndGet();
        sleep(100);
      }
      if (!io.grpc.Context.current().isCancelled()) out.onCompleted();
    }
  }

  private static void sleep(long millis) {
    try {
      TimeUnit.MILLISECONDS.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aLateUnaryAnswerFailsWithDeadlineExceededAtTheMeshsThreeHundredMillisecondDeadline() throws Exception {
    long start = System.nanoTime();
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> stub.sayHello(HELLO));
    long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    System.out.println("mesh-grpc HardDeadlineIntegrationTest unary: failed after " + elapsed + " ms");

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(e.getStatus().getCause()).isInstanceOf(DeadlineExceededException.class);
    assertThat(elapsed).isBetween(EARLIEST_MILLIS, LATEST_MILLIS);

    // The server's handler is told at its deadline: gRPC's Context and the mesh's cancellation.
    assertThat(cancelledOnEntry.get(2, TimeUnit.SECONDS)).isFalse();
    long grpcAt = TimeUnit.NANOSECONDS.toMillis(grpcCancelledAt.get(2, TimeUnit.SECONDS) - start);
    long meshAt = TimeUnit.NANOSECONDS.toMillis(meshCancelledAt.get(2, TimeUnit.SECONDS) - start);
    System.out.println("mesh-grpc HardDeadlineIntegrationTest unary: server Context cancelled after " + grpcAt
        + " ms, mesh cancellation after " + meshAt + " ms");
    assertThat(grpcAt).as("gRPC Context cancelled, ms after the call").isBetween(EARLIEST_MILLIS - 30, LATEST_MILLIS);
    assertThat(meshAt).as("mesh cancellation, ms after the call").isBetween(EARLIEST_MILLIS - 30, LATEST_MILLIS);
  }

  @Test
  void aStreamSendingOneMessagePerHundredMillisecondsFailsAtTheCallersThreeHundredMillisecondDeadline() {
    long start = System.nanoTime();
    Iterator<CountReply> replies = stub.withDeadlineAfter(DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
        .count(CountRequest.newBuilder().setCount(50).build());
    AtomicInteger received = new AtomicInteger();
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> {
      while (replies.hasNext()) {
        replies.next();
        received.incrementAndGet();
      }
    });
    long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    System.out.println("mesh-grpc HardDeadlineIntegrationTest stream: failed after " + elapsed + " ms, "
        + received.get() + " messages");

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(elapsed).isBetween(EARLIEST_MILLIS, LATEST_MILLIS);
    assertThat(received.get()).as("messages before the deadline").isBetween(1, 4);
  }
}
