package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.RetryPolicy;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.test.CountReply;
import io.meshwork.grpc.test.CountRequest;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which failures are retried: a response message already received, or a method not idempotent, stop it. */
class StreamingRetryIntegrationTest {
  private static final ClientPolicy POLICY = ClientPolicy.builder()
      .retries(RetryPolicy.DEFAULT.withBackoff(Duration.ofMillis(1), Duration.ofMillis(5)))
      .build();

  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("greeter", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  private Backend backend;
  private ManagedChannel channel;
  private GreeterGrpc.GreeterBlockingStub stub;

  @BeforeEach
  void setUp() {
    backend = Backend.start(serverMesh);
    Meshes.put(registry, "greeter", POLICY, List.of(backend));
    channel = MeshGrpc.channel(clientMesh, "greeter");
    stub = GreeterGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    backend.close();
    clientMesh.close();
    serverMesh.close();
  }

  @Test
  void aServerStreamingCallThatFailsAfterItsFirstMessageIsNotRetried() {
    backend.countFailAfter = 1;
    Iterator<CountReply> replies = stub.count(CountRequest.newBuilder().setCount(3).build());
    List<Integer> received = new ArrayList<>();
    assertThatThrownBy(() -> replies.forEachRemaining(r -> received.add(r.getN())))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(received).containsExactly(1);
    assertThat(backend.counts.get()).as("streams the server saw").isEqualTo(1);
  }

  @Test
  void aServerStreamingCallRefusedBeforeAnyMessageIsRetried() {
    backend.failFirstCounts.set(1);
    List<Integer> received = new ArrayList<>();
    stub.count(CountRequest.newBuilder().setCount(3).build()).forEachRemaining(r -> received.add(r.getN()));
    assertThat(received).containsExactly(1, 2, 3);
    assertThat(backend.counts.get()).as("streams the server saw").isEqualTo(2);
  }

  @Test
  void anIdempotentUnaryCallAnsweredUnavailableIsRetried() {
    backend.hook.set(new java.util.function.Function<>() {
      int calls;

      @Override
      public synchronized io.meshwork.grpc.test.HelloReply apply(HelloRequest r) {
        if (calls++ == 0) throw Status.UNAVAILABLE.withDescription("try again").asRuntimeException();
        return io.meshwork.grpc.test.HelloReply.newBuilder().setMessage("second").build();
      }
    });
    assertThat(stub.sayHello(HelloRequest.newBuilder().setName("x").build()).getMessage()).isEqualTo("second");
    assertThat(backend.hellos.get()).isEqualTo(2);
  }

  @Test
  void aUnaryCallNotMarkedIdempotentIsNotRetriedOnceSent() {
    backend.failWith = Status.UNAVAILABLE.withDescription("busy");
    assertThatThrownBy(() -> stub.register(HelloRequest.newBuilder().setName("x").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(backend.registers.get()).isEqualTo(1);
  }

  @Test
  void aCallMarkedIdempotentThroughItsOptionsIsRetried() {
    backend.failWith = Status.UNAVAILABLE.withDescription("busy");
    assertThatThrownBy(() -> stub.withOption(MeshGrpc.IDEMPOTENT, true).register(HelloRequest.newBuilder().setName("x").build()))
        .isInstanceOf(StatusRuntimeException.class);
    assertThat(backend.registers.get()).as("tries, up to maxAttempts").isEqualTo(3);
  }
}
