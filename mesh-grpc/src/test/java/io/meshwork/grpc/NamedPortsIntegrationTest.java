package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.meshwork.core.Mesh;
import io.meshwork.core.WarmUp;
import io.meshwork.core.model.Address;
import io.meshwork.core.registry.DocumentSource;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.core.registry.MeshDocumentParser;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloRequest;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A service whose endpoint names its ports, {@code {address: 127.0.0.1, ports: {http: P1, grpc:
 * P2}}}, with the default {@code protocol: http} so that the engine knows the endpoint as {@code
 * 127.0.0.1:P1}: a mesh channel still connects to P2.
 */
class NamedPortsIntegrationTest {
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("greeter", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  private final Backend grpc = Backend.start(serverMesh);
  private final Backend httpPortStandIn = Backend.start(serverMesh); // a gRPC server on the http port
  private ManagedChannel channel;

  @AfterEach
  void tearDown() {
    if (channel != null) channel.shutdownNow();
    grpc.close();
    httpPortStandIn.close();
    clientMesh.close();
    serverMesh.close();
    registry.close();
  }

  private void putGreeter() {
    registry.setDocument(MeshDocumentParser.parse(new DocumentSource("mesh.yaml", """
        services:
          greeter:
            endpoints:
              - { address: 127.0.0.1, ports: { http: %d, grpc: %d } }
        """.formatted(httpPortStandIn.port(), grpc.port()))));
  }

  @Test
  void callsGoToTheGrpcPortWhileTheEngineKnowsTheEndpointByItsHttpPort() {
    putGreeter();
    channel = MeshGrpc.channel(clientMesh, "greeter");
    GreeterGrpc.GreeterBlockingStub stub = GreeterGrpc.newBlockingStub(channel);

    for (int i = 0; i < 5; i++) {
      stub.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HelloRequest.newBuilder().setName("n").build());
    }

    assertThat(grpc.hellos.get()).isEqualTo(5);
    assertThat(httpPortStandIn.hellos.get()).isZero();
    assertThat(clientMesh.destination("greeter").endpoints()).singleElement()
        .satisfies(e -> assertThat(e.endpoint().address()).isEqualTo(new Address("127.0.0.1", httpPortStandIn.port())));
  }

  @Test
  void warmUpReachesTheGrpcPortAndReportsTheEndpointByItsAddress() throws InterruptedException {
    putGreeter();
    channel = MeshGrpc.channel(clientMesh, "greeter");

    WarmUp w = MeshGrpc.warmUp(channel, Duration.ofSeconds(5));

    assertThat(w.reached()).containsExactly(new Address("127.0.0.1", httpPortStandIn.port()));
    assertThat(grpc.healthChecks.get()).isGreaterThanOrEqualTo(1);
    assertThat(httpPortStandIn.healthChecks.get()).isZero();
  }
}
