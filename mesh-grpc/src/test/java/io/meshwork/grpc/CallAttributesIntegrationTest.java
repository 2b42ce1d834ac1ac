package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloRequest;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code ClientCall.getAttributes()} of a mesh call, like a plain gRPC call's, still names the
 * server that answered once the call has ended, retries included.
 */
class CallAttributesIntegrationTest {
  private static final HelloRequest HELLO = HelloRequest.newBuilder().setName("x").build();

  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("greeter", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  private final List<Backend> backends = new ArrayList<>();
  private ManagedChannel channel;
  /** The application's view of the last call: its ClientCall and the remote address read in onClose. */
  private final AtomicReference<ClientCall<?, ?>> lastCall = new AtomicReference<>();
  private final AtomicReference<SocketAddress> remoteInOnClose = new AtomicReference<>();

  @AfterEach
  void tearDown() {
    if (channel != null) channel.shutdownNow();
    backends.forEach(Backend::close);
    clientMesh.close();
    serverMesh.close();
    registry.close();
  }

  private GreeterGrpc.GreeterBlockingStub stub(List<Backend> servers) {
    Meshes.put(registry, "greeter", ClientPolicy.DEFAULT, servers);
    channel = MeshGrpc.channelBuilder(clientMesh, "greeter").intercept(new Captor()).build();
    return GreeterGrpc.newBlockingStub(channel);
  }

  private Backend backend() {
    Backend b = Backend.start(serverMesh);
    backends.add(b);
    return b;
  }

  private SocketAddress remoteAfterClose() {
    return lastCall.get().getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
  }

  @Test
  void aCompletedCallStillNamesTheServerThatAnswered() {
    Backend b = backend();
    GreeterGrpc.GreeterBlockingStub greeter = stub(List.of(b));

    assertThat(greeter.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO).getServerPort()).isEqualTo(b.port());

    assertThat(remoteInOnClose.get()).as("in onClose").isEqualTo(new InetSocketAddress("127.0.0.1", b.port()));
    assertThat(remoteAfterClose()).as("after the call").isEqualTo(new InetSocketAddress("127.0.0.1", b.port()));
  }

  @Test
  void aRetriedCallNamesTheServerThatAnsweredLast() {
    Backend refusing = backend();
    Backend answering = backend();
    refusing.failWith = Status.UNAVAILABLE.withDescription("not now");
    GreeterGrpc.GreeterBlockingStub greeter = stub(List.of(refusing, answering))
        .withOption(MeshGrpc.IDEMPOTENT, true);
    InetSocketAddress expected = new InetSocketAddress("127.0.0.1", answering.port());

    // The engine picks at random among the two: call until a first try went to the refusing one.
    for (int i = 0; i < 50 && refusing.hellos.get() == 0; i++) {
      assertThat(greeter.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO).getServerPort()).isEqualTo(answering.port());
      assertThat(remoteInOnClose.get()).as("in onClose, call %d", i).isEqualTo(expected);
      assertThat(remoteAfterClose()).as("after call %d", i).isEqualTo(expected);
    }
    assertThat(refusing.hellos.get()).as("some call was retried").isPositive();
  }

  /** Captures the ClientCall the application holds and reads its attributes when it closes. */
  private final class Captor implements ClientInterceptor {
    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
        MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
      ClientCall<ReqT, RespT> call = next.newCall(method, callOptions);
      lastCall.set(call);
      remoteInOnClose.set(null);
      return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
        @Override
        public void start(Listener<RespT> listener, Metadata headers) {
          super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
            @Override
            public void onClose(Status status, Metadata trailers) {
              remoteInOnClose.set(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
              super.onClose(status, trailers);
            }
          }, headers);
        }
      };
    }
  }
}
