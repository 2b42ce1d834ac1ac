package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshContext;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloReply;
import io.meshwork.grpc.test.HelloRequest;
import io.meshwork.tls.MeshTls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.context.Context;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mesh owns its identity: a channel and a server built from meshes with {@code
 * identity(MeshTls.developmentCa(...))} speak mutual TLS in strict mode with no TLS argument. And
 * the server's builder reads as mesh-http's: default bind 127.0.0.1, {@code register(true)},
 * {@code start()}, a drain on close.
 */
class MeshIdentityIntegrationTest {
  @TempDir Path dir;
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private Mesh serverMesh;
  private Mesh clientMesh;
  private MeshServer server;
  private ManagedChannel channel;
  private final AtomicReference<String> caller = new AtomicReference<>();
  private final CountDownLatch entered = new CountDownLatch(1);
  private volatile CountDownLatch release;

  @BeforeEach
  void setUp() {
    registry.setMesh(new MeshSettings("meshwork.test", TlsMode.STRICT));
    Path ca = dir.resolve("ca");
    serverMesh = Mesh.builder().serviceName("greeter").registry(registry).meterRegistry(new SimpleMeterRegistry())
        .identity(MeshTls.developmentCa(ca)).build();
    clientMesh = Mesh.builder().serviceName("frontend").registry(registry).meterRegistry(new SimpleMeterRegistry())
        .identity(MeshTls.developmentCa(ca)).build();
    server = MeshGrpc.server(serverMesh).addService(new GreeterGrpc.GreeterImplBase() {
      @Override
      public void sayHello(HelloRequest request, StreamObserver<HelloReply> out) {
        caller.set(MeshContext.callerIdentity(Context.current()));
        entered.countDown();
        CountDownLatch r = release;
        if (r != null) {
          try {
            r.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        out.onNext(HelloReply.newBuilder().setMessage("hello " + request.getName()).build());
        out.onCompleted();
      }
    }).register(true).start();
    channel = MeshGrpc.channel(clientMesh, "greeter");
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    server.shutdownNow();
    clientMesh.close();
    serverMesh.close();
    registry.close();
  }

  @Test
  void aChannelAndAServerOfMeshesWithIdentitiesSpeakMutualTlsWithoutBeingHandedIt() {
    assertThat(server.address().host()).as("default bind").isEqualTo("127.0.0.1");
    HelloReply reply = GreeterGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .sayHello(HelloRequest.newBuilder().setName("x").build());
    assertThat(reply.getMessage()).isEqualTo("hello x");
    assertThat(caller.get()).as("the caller's identity, from its certificate")
        .isEqualTo("spiffe://meshwork.test/service/frontend");
    assertThat(serverMesh.inboundCallers()).as("the server interceptor counts the caller by its SPIFFE ID")
        .singleElement().satisfies(c -> {
          assertThat(c.identity()).isEqualTo("spiffe://meshwork.test/service/frontend");
          assertThat(c.accepted()).isEqualTo(1);
          assertThat(c.refused()).isEmpty();
        });
  }

  @Test
  void closeWithdrawsTheEndpointThenLetsACallInFlightFinish() throws Exception {
    release = new CountDownLatch(1);
    var inFlight = GreeterGrpc.newFutureStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .sayHello(HelloRequest.newBuilder().setName("late").build());
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
    Thread closer = new Thread(server::close);
    closer.start();
    await().atMost(Duration.ofSeconds(2)).until(() -> clientMesh.destination("greeter").endpoints().isEmpty());
    assertThat(server.serving()).isFalse();
    assertThat(closer.isAlive()).as("close waits for the call in flight").isTrue();
    release.countDown();
    assertThat(inFlight.get(5, TimeUnit.SECONDS).getMessage()).isEqualTo("hello late");
    closer.join(5000);
    assertThat(closer.isAlive()).isFalse();
  }
}
