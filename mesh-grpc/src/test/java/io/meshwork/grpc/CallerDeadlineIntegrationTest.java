package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshwork.core.CircuitState;
import io.meshwork.core.Destination;
import io.meshwork.core.EndpointStatus;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A caller's own short gRPC deadline fails its calls, not the healthy server behind them. */
class CallerDeadlineIntegrationTest {
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("greeter", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  private Backend backend;
  private ManagedChannel channel;

  @AfterEach
  void tearDown() {
    if (channel != null) channel.shutdownNow();
    if (backend != null) backend.close();
    clientMesh.close();
    serverMesh.close();
    registry.close();
  }

  @Test
  void callsCutByTheCallersThreeMillisecondDeadlineDoNotEjectAHealthyServer() {
    backend = Backend.start(serverMesh);
    Meshes.put(registry, "greeter", ClientPolicy.DEFAULT, List.of(backend));
    channel = MeshGrpc.channel(clientMesh, "greeter");
    GreeterGrpc.GreeterBlockingStub stub = GreeterGrpc.newBlockingStub(channel);
    HelloRequest hello = HelloRequest.newBuilder().setName("x").build();
    stub.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(hello); // connected and warm
    backend.delay = Duration.ofMillis(20);

    for (int i = 0; i < 20; i++) {
      assertThatThrownBy(() -> stub.withDeadlineAfter(3, TimeUnit.MILLISECONDS).sayHello(hello))
          .isInstanceOf(StatusRuntimeException.class)
          .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode())
              .isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    }

    Destination greeter = clientMesh.destination("greeter");
    EndpointStatus status = greeter.endpoints().get(0);
    assertThat(status.ejected()).as("ejected by deadlines its callers set").isFalse();
    assertThat(status.ejections()).isZero();
    assertThat(status.failures()).isZero();
    assertThat(greeter.circuitState()).isEqualTo(CircuitState.CLOSED);
    assertThat(stub.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(hello).getMessage()).isEqualTo("hello x");
  }
}
