package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.registry.InMemoryRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link MeshGrpc#warmUp}: the channel is connected and ready before the first call. */
class WarmUpIntegrationTest {
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("greeter", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  private final List<Backend> backends = new ArrayList<>();
  private ManagedChannel channel;

  @AfterEach
  void tearDown() {
    if (channel != null) channel.shutdownNow();
    backends.forEach(Backend::close);
    clientMesh.close();
    serverMesh.close();
    registry.close();
  }

  @Test
  void aWarmedUpChannelIsReadyBeforeItsFirstCall() throws Exception {
    for (int i = 0; i < 3; i++) backends.add(Backend.start(serverMesh));
    Meshes.put(registry, "greeter", ClientPolicy.DEFAULT, backends);
    channel = MeshGrpc.channel(clientMesh, "greeter");
    assertThat(channel.getState(false)).as("a new channel").isEqualTo(ConnectivityState.IDLE);

    assertThat(MeshGrpc.warmUp(channel, Duration.ofSeconds(10))).isTrue();

    assertThat(channel.getState(false)).isEqualTo(ConnectivityState.READY);
    assertThat(backends.stream().mapToInt(b -> b.hellos.get()).sum()).as("calls made by warming up").isZero();
  }

  @Test
  void aChannelWithNoReachableEndpointIsNotReadyWithinTheTimeout() throws Exception {
    Backend gone = Backend.start(serverMesh);
    Meshes.put(registry, "greeter", ClientPolicy.DEFAULT, List.of(gone));
    gone.close();
    channel = MeshGrpc.channel(clientMesh, "greeter");

    assertThat(MeshGrpc.warmUp(channel, Duration.ofMillis(500))).isFalse();
  }
}
