package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.meshwork.core.Mesh;
import io.meshwork.core.WarmUp;
import io.meshwork.core.model.Address;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloRequest;
import io.meshwork.tls.testing.Pki;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MeshGrpc#warmUp}: before the first call, every endpoint of the channel's service has a
 * connection (with its mutual TLS handshake) and has answered on it, and the first calls use those
 * connections.
 */
class WarmUpIntegrationTest {
  @TempDir Path dir;
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("greeter", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  private final List<Backend> backends = new ArrayList<>();
  private ManagedChannel channel;
  private Pki pki;

  @AfterEach
  void tearDown() {
    if (channel != null) channel.shutdownNow();
    backends.forEach(Backend::close);
    clientMesh.close();
    serverMesh.close();
    registry.close();
    if (pki != null) pki.close();
  }

  @Test
  void warmingUpReachesEveryEndpointOverMtlsBeforeTheFirstCall() throws Exception {
    registry.setMesh(new MeshSettings(Pki.TRUST_DOMAIN, TlsMode.STRICT));
    pki = new Pki(dir.resolve("ca"));
    for (int i = 0; i < 3; i++) backends.add(Backend.start(serverMesh, pki.tls("greeter")));
    Meshes.putAllowing(registry, "greeter", backends, "frontend");
    channel = MeshGrpc.channel(clientMesh, "greeter", pki.tls("frontend"));
    assertThat(channel.getState(false)).as("a new channel").isEqualTo(ConnectivityState.IDLE);

    WarmUp w = MeshGrpc.warmUp(channel, Duration.ofSeconds(10));

    assertThat(w.complete()).as("%s", w).isTrue();
    assertThat(w.service()).isEqualTo("greeter");
    assertThat(w.reached()).containsExactlyInAnyOrderElementsOf(backends.stream().map(Backend::address).toList());
    assertThat(backends).as("one probe answered by each endpoint")
        .allSatisfy(b -> assertThat(b.healthChecks.get()).isEqualTo(1));
    assertThat(backends.stream().mapToInt(b -> b.hellos.get()).sum()).as("calls made by warming up").isZero();
    assertThat(clientMesh.destination("greeter").endpoints()).as("probes are not calls")
        .allSatisfy(e -> assertThat(e.attempts()).isZero());
    assertThat(channel.getState(false)).isEqualTo(ConnectivityState.READY);

    GreeterGrpc.GreeterBlockingStub stub = GreeterGrpc.newBlockingStub(channel);
    for (int i = 0; i < 6; i++) stub.sayHello(HelloRequest.newBuilder().setName("x").build());
    assertThat(backends.stream().mapToInt(b -> b.hellos.get()).sum()).isEqualTo(6);
  }

  @Test
  void anEndpointThatCannotBeReachedIsReportedWithWhy() throws Exception {
    backends.add(Backend.start(serverMesh));
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Meshes.putPorts(registry, "greeter", List.of(backends.get(0).port(), closed));
    channel = MeshGrpc.channel(clientMesh, "greeter");

    WarmUp w = MeshGrpc.warmUp(channel, Duration.ofSeconds(5));

    assertThat(w.complete()).isFalse();
    assertThat(w.reached()).containsExactly(backends.get(0).address());
    assertThat(w.failed()).containsOnlyKeys(new Address("127.0.0.1", closed));
    assertThat(w.failed().get(new Address("127.0.0.1", closed))).startsWith("UNAVAILABLE");
  }

  @Test
  void anEndpointThatDoesNotAnswerWithinTheTimeoutIsReported() throws Exception {
    Backend gone = Backend.start(serverMesh);
    Meshes.put(registry, "greeter", ClientPolicy.DEFAULT, List.of(gone));
    gone.close();
    channel = MeshGrpc.channel(clientMesh, "greeter");

    WarmUp w = MeshGrpc.warmUp(channel, Duration.ofMillis(500));

    assertThat(w.reached()).isEmpty();
    assertThat(w.failed()).containsOnlyKeys(gone.address());
  }

  @Test
  void onlyAMeshChannelCanBeWarmedUp() {
    ManagedChannel plain = ManagedChannelBuilder.forAddress("127.0.0.1", 1).usePlaintext().build();
    try {
      assertThatThrownBy(() -> MeshGrpc.warmUp(plain, Duration.ofSeconds(1)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("channel: not a mesh channel");
    } finally {
      plain.shutdownNow();
    }
  }
}
