package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.stub.StreamObserver;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshContext;
import io.meshwork.core.Ticker;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.Protocol;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloReply;
import io.meshwork.grpc.test.HelloRequest;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link MeshServer.Builder#configure} keeps every customizer, and {@link MeshGrpc#serverBuilder}
 * gives a plain {@code ServerBuilder} whose servers run the mesh's server side first, whatever
 * interceptors the application adds afterwards.
 */
class ServerBuildersIntegrationTest {
  private static final HelloRequest HELLO = HelloRequest.newBuilder().setName("x").build();

  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("greeter", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  private final List<AutoCloseable> closing = new ArrayList<>();
  /** What each interceptor and the handler saw, in order: "name:ms" (the mesh deadline's ms left, -1 none). */
  private final List<String> seen = new CopyOnWriteArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) closing.get(i).close();
    clientMesh.close();
    serverMesh.close();
    registry.close();
  }

  @Test
  void everyConfigureCustomizerApplies() {
    MeshServer server = MeshGrpc.server(serverMesh).port(0)
        .addService(new Greeter())
        .configure(nb -> nb.intercept(new Recording("first")))
        .configure(nb -> nb.intercept(new Recording("second")).maxInboundMessageSize(64 * 1024))
        .start();
    closing.add(server::shutdownNow);

    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    closing.add(channel::shutdownNow);
    GreeterGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO);

    assertThat(names()).as("both customizers' interceptors ran (the later-added first)")
        .containsExactly("second", "first", "handler");
  }

  @Test
  void aPlainServerBuilderRunsTheMeshFirstEvenBeforeInterceptorsAddedLater() throws IOException {
    Server server = MeshGrpc.serverBuilder(serverMesh, 0)
        .addService(ServerInterceptors.intercept(new Greeter(), new Recording("service")))
        .intercept(new Recording("app")) // added after the mesh's wiring: gRPC would run it first
        .build()
        .start();
    closing.add(server::shutdownNow);
    registry.putService(ServiceConfig.builder("greeter")
        .protocol(Protocol.GRPC)
        .addEndpoint(Endpoint.of("127.0.0.1:" + server.getPort()))
        .client(ClientPolicy.DEFAULT)
        .build());
    ManagedChannel channel = MeshGrpc.channel(clientMesh, "greeter");
    closing.add(channel::shutdownNow);

    HelloReply reply = GreeterGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO);

    assertThat(reply.getMessage()).isEqualTo("hello x");
    assertThat(names()).containsExactly("app", "service", "handler");
    assertThat(seen).as("each saw the caller's deadline in the mesh context: the mesh ran before them")
        .allSatisfy(s -> assertThat(Long.parseLong(s.substring(s.indexOf(':') + 1))).isBetween(1L, 5000L));
    // The server records a call when gRPC reports how it ended, which may be just after the
    // client has its answer.
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      Timer requests = serverMesh.meterRegistry().find("mesh.server.requests").tag("service", "greeter").timer();
      assertThat(requests).as("mesh.server.requests").isNotNull();
      assertThat(requests.count()).isEqualTo(1);
    });
  }

  @Test
  void aMeshServerBuilderBuildsOneServer() {
    MeshServerBuilder b = MeshGrpc.serverBuilder(serverMesh, 0).addService(new Greeter());
    closing.add(b.build()::shutdownNow);
    assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class);
  }

  private List<String> names() {
    return seen.stream().map(s -> s.substring(0, s.indexOf(':'))).toList();
  }

  private void record(String name) {
    io.meshwork.core.Deadline d = MeshContext.currentDeadline();
    seen.add(name + ":" + (d == null ? -1 : d.remainingMillis(Ticker.system())));
  }

  private final class Recording implements ServerInterceptor {
    private final String name;

    Recording(String name) {
      this.name = name;
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
        ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
      // The mesh channel's health watch passes here too: only the Greeter's calls count.
      if (call.getMethodDescriptor().getServiceName().equals(GreeterGrpc.SERVICE_NAME)) record(name);
      return next.startCall(call, headers);
    }
  }

  private final class Greeter extends GreeterGrpc.GreeterImplBase {
    @Override
    public void sayHello(HelloRequest request, StreamObserver<HelloReply> out) {
      record("handler");
      out.onNext(HelloReply.newBuilder().setMessage("hello " + request.getName()).build());
      out.onCompleted();
    }
  }
}
