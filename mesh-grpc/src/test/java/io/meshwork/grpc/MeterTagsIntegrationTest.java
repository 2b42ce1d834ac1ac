package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshwork.core.Mesh;
import io.meshwork.core.inbound.InboundGuard;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.Protocol;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.model.RetryPolicy;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloRequest;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The tags of {@code mesh.client.requests}, {@code mesh.client.retries} and {@code
 * mesh.server.requests} for a gRPC service, with real Netty servers and channels on loopback: the
 * same outcome and error.type vocabulary as HTTP (mesh-http's MeterTagsIntegrationTest), the gRPC
 * code in status.
 */
class MeterTagsIntegrationTest {
  private static final RetryPolicy NO_RETRIES = RetryPolicy.none();

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
  void aFreshDestinationShowsAZeroOkSeriesBeforeAnyCall() {
    backend = Backend.start(serverMesh);
    Meshes.put(registry, "greeter", ClientPolicy.builder().build(), List.of(backend));
    clientMesh.destination("greeter");
    assertThat(clientRequests("success", "OK", "none").count()).isZero();
  }

  @Test
  void unavailableIsAFailureWithItsCodeAsStatusAndErrorType() {
    backend = Backend.start(serverMesh);
    backend.failWith = Status.UNAVAILABLE.withDescription("down");
    Meshes.put(registry, "greeter", ClientPolicy.builder().retries(NO_RETRIES).build(), List.of(backend));
    assertThatThrownBy(this::call).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));

    assertThat(clientRequests("failure", "UNAVAILABLE", "UNAVAILABLE").count()).isEqualTo(1);
    // The server records the HTTP status gRPC's code maps to.
    await().atMost(Duration.ofSeconds(2)).until(() -> serverMesh.meterRegistry().find(InboundGuard.REQUESTS)
        .tags("outcome", "failure", "status", "503", "error.type", "503").timer() != null);
  }

  @Test
  void retriesAreCountedUnderTheErrorTypeThatCausedThem() {
    backend = Backend.start(serverMesh);
    backend.failWith = Status.UNAVAILABLE;
    Meshes.put(registry, "greeter", ClientPolicy.builder().retries(RetryPolicy.DEFAULT.withMaxAttempts(3)
        .withBackoff(Duration.ofMillis(1), Duration.ofMillis(2))
        .withIdempotentMethods(GreeterGrpc.SERVICE_NAME + "/*")).build(), List.of(backend));
    assertThatThrownBy(this::call).isInstanceOf(StatusRuntimeException.class);

    assertThat(clientMesh.meterRegistry().get("mesh.client.retries").tags("service", "greeter", "error.type",
        "UNAVAILABLE").counter().count()).isEqualTo(2);
    assertThat(clientMesh.meterRegistry().find("mesh.client.retries").tagKeys("reason").counters()).isEmpty();
  }

  @Test
  void aConnectFailureHasNoStatusAndItsKindAsErrorType() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    registry.putService(ServiceConfig.builder("greeter").protocol(Protocol.GRPC)
        .endpoints(List.of(Endpoint.of("127.0.0.1:" + closed)))
        .client(ClientPolicy.builder().retries(NO_RETRIES).build()).build());
    assertThatThrownBy(this::call).isInstanceOf(StatusRuntimeException.class);

    assertThat(clientRequests("failure", "none", "connect-failure").count()).isEqualTo(1);
  }

  @Test
  void aPassedDeadlineHasNoStatusAndTheRuleAsErrorType() {
    backend = Backend.start(serverMesh);
    backend.delay = Duration.ofSeconds(2);
    Meshes.put(registry, "greeter", ClientPolicy.builder().timeout(Duration.ofMillis(200)).retries(NO_RETRIES)
        .build(), List.of(backend));
    assertThatThrownBy(this::call).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));

    assertThat(clientMesh.meterRegistry().find("mesh.client.requests").timers())
        .filteredOn(t -> t.count() > 0).singleElement()
        .satisfies(t -> {
          assertThat(t.getId().getTag("outcome")).isEqualTo("failure");
          assertThat(t.getId().getTag("status")).isEqualTo("none");
          assertThat(t.getId().getTag("error.type")).isEqualTo("deadline-exceeded");
        });
  }

  private void call() {
    if (channel == null) channel = MeshGrpc.channel(clientMesh, "greeter");
    GreeterGrpc.newBlockingStub(channel).sayHello(HelloRequest.newBuilder().setName("x").build());
  }

  private Timer clientRequests(String outcome, String status, String errorType) {
    Timer t = clientMesh.meterRegistry().find("mesh.client.requests")
        .tags("service", "greeter", "route", "default", "outcome", outcome, "status", status, "error.type", errorType)
        .timer();
    assertThat(t).as("mesh.client.requests outcome=%s status=%s error.type=%s: %s", outcome, status, errorType,
        clientMesh.meterRegistry().find("mesh.client.requests").timers().stream().map(Timer::getId).toList())
        .isNotNull();
    return t;
  }
}
