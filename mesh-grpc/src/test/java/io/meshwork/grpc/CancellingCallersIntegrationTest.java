package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.meshwork.core.Destination;
import io.meshwork.core.EndpointStatus;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloReply;
import io.meshwork.grpc.test.HelloRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Callers of an asynchronous gRPC stub that cancel before the mesh's timeout (as an upstream
 * hang-up or an application timeout does) teach the balancer that a hung server is slow, as over
 * HTTP, and never count against its health.
 */
class CancellingCallersIntegrationTest {
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("greeter", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  private final List<Backend> backends = new ArrayList<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private ManagedChannel channel;

  @AfterEach
  void tearDown() {
    timer.shutdownNow();
    if (channel != null) channel.shutdownNow();
    backends.forEach(Backend::close);
    clientMesh.close();
    serverMesh.close();
    registry.close();
  }

  @Test
  void cancelledFutureStubCallsRaiseAHungServersCostWithoutFailingIt() throws Exception {
    Backend hung = Backend.start(serverMesh);
    hung.delay = Duration.ofSeconds(3);
    Backend fast = Backend.start(serverMesh);
    backends.add(hung);
    backends.add(fast);
    Meshes.put(registry, "greeter", ClientPolicy.builder().timeout(Duration.ofSeconds(2)).build(), backends);
    channel = MeshGrpc.channel(clientMesh, "greeter");
    GreeterGrpc.GreeterFutureStub stub = GreeterGrpc.newFutureStub(channel);
    Destination greeter = clientMesh.destination("greeter");

    int answered = 0;
    int cancelled = 0;
    for (int round = 0; round < 10; round++) {
      List<ListenableFuture<HelloReply>> calls = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        ListenableFuture<HelloReply> f = stub.sayHello(HelloRequest.newBuilder().setName("r" + round).build());
        timer.schedule(() -> f.cancel(true), 300, TimeUnit.MILLISECONDS); // the caller gives up first
        calls.add(f);
      }
      for (ListenableFuture<HelloReply> f : calls) {
        try {
          f.get(10, TimeUnit.SECONDS);
          answered++;
        } catch (CancellationException e) {
          cancelled++;
        } catch (ExecutionException e) {
          throw new AssertionError("a call failed instead of being answered or cancelled", e);
        }
      }
    }

    EndpointStatus h = status(greeter, hung);
    EndpointStatus f = status(greeter, fast);
    assertThat(h.ewmaLatencyNanos()).as("the hung server's estimate, learned from cancellations")
        .isGreaterThan(TimeUnit.MILLISECONDS.toNanos(250));
    assertThat(h.ewmaLatencyNanos()).isGreaterThan(f.ewmaLatencyNanos());
    assertThat(h.attempts()).as("attempts the hung server got of 40").isLessThan(8);
    assertThat(h.failures()).as("cancellations are not the server's failures").isZero();
    assertThat(h.ejected()).isFalse();
    assertThat(answered).as("answered %d, cancelled %d", answered, cancelled).isGreaterThan(32);
  }

  private static EndpointStatus status(Destination d, Backend b) {
    return d.endpoints().stream().filter(e -> e.endpoint().address().port() == b.port()).findFirst().orElseThrow();
  }
}
