package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloReply;
import io.meshwork.grpc.test.HelloRequest;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.RotatingIdentity;
import io.meshwork.tls.WorkloadCertificate;
import io.meshwork.tls.testing.Pki;
import io.meshwork.tls.testing.TrustRotation;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mesh moves to a new certificate authority while 4 threads call over strict mTLS gRPC
 * without pause: trust the new CA beside the old one, issue from the new one, drop the old one,
 * each step put into force on both sides with {@code rotateNow()}. No call fails; a new channel
 * afterwards works over the new CA alone, and a client still holding a certificate of the old CA
 * is refused.
 */
class TrustBundleRotationIntegrationTest {
  private static final HelloRequest HELLO = HelloRequest.newBuilder().setName("x").build();
  private static final int THREADS = 4;

  @TempDir Path dir;

  @Test
  void theMeshMovesToANewCaUnderLoadWithoutAFailedCall() throws Exception {
    InMemoryRegistry registry = InMemoryRegistry.create();
    registry.setMesh(new MeshSettings(Pki.TRUST_DOMAIN, TlsMode.STRICT));
    Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    AtomicInteger calls = new AtomicInteger();
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService callers = Executors.newFixedThreadPool(THREADS);

    try (TrustRotation rotation = new TrustRotation(dir);
        Mesh serverMesh = Meshes.of("greeter", registry);
        Mesh clientMesh = Meshes.of("frontend", registry)) {
      MeshServer server = MeshGrpc.server(serverMesh)
          .tls(rotation.tls("greeter"))
          .addService(new GreeterGrpc.GreeterImplBase() {
            @Override
            public void sayHello(HelloRequest request, StreamObserver<HelloReply> out) {
              out.onNext(HelloReply.getDefaultInstance());
              out.onCompleted();
            }
          })
          .start();
      Meshes.putPorts(registry, "greeter", List.of(server.port()), "frontend");
      MeshTls frontend = rotation.tls("frontend");
      ManagedChannel channel = MeshGrpc.channelBuilder(clientMesh, "greeter", frontend).build();
      ManagedChannel fresh = null;
      ManagedChannel staleChannel = null;
      MeshTls stale = null;
      try {
        GreeterGrpc.GreeterBlockingStub stub = GreeterGrpc.newBlockingStub(channel);
        for (int t = 0; t < THREADS; t++) {
          callers.execute(() -> {
            while (running.get()) {
              try {
                stub.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO);
                calls.incrementAndGet();
              } catch (Throwable e) {
                failures.add(e);
              }
            }
          });
        }
        step(calls, failures, () -> {});
        step(calls, failures, rotation::trustBoth);
        step(calls, failures, rotation::issueFromNew);
        step(calls, failures, rotation::dropOld);
        running.set(false);
        callers.shutdown();
        assertThat(callers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(failures).as("failed calls (of %d)", calls.get()).isEmpty();

        // New connections handshake with the new CA's certificates and trust it alone.
        fresh = MeshGrpc.channelBuilder(clientMesh, "greeter", frontend).build();
        GreeterGrpc.newBlockingStub(fresh).withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO);

        // A client that still holds a certificate of the old CA (and trusts both) is refused.
        stale = MeshTls.create(RotatingIdentity.builder((id, lifetime) -> {
          WorkloadCertificate c = rotation.oldCa().issue(id, lifetime);
          return WorkloadCertificate.of(c.privateKey(), c.chain(),
              List.of(rotation.oldCa().certificate(), rotation.newCa().certificate()));
        }, Pki.id("frontend")).manualRenewal().build());
        staleChannel = MeshGrpc.channelBuilder(clientMesh, "greeter", stale).build();
        GreeterGrpc.GreeterBlockingStub staleStub = GreeterGrpc.newBlockingStub(staleChannel);
        assertThatThrownBy(() -> staleStub.withDeadlineAfter(3, TimeUnit.SECONDS).sayHello(HELLO))
            .isInstanceOf(StatusRuntimeException.class);
      } finally {
        running.set(false);
        callers.shutdownNow();
        channel.shutdownNow();
        if (fresh != null) fresh.shutdownNow();
        if (staleChannel != null) staleChannel.shutdownNow();
        if (stale != null) stale.identity().close();
        server.shutdownNow();
      }
    } finally {
      registry.close();
    }
  }

  /** Runs {@code change}, then waits until 100 more calls have succeeded (or one failed). */
  private static void step(AtomicInteger calls, Queue<Throwable> failures, Runnable change) {
    change.run();
    int target = calls.get() + 100;
    await().atMost(Duration.ofSeconds(20)).until(() -> !failures.isEmpty() || calls.get() >= target);
  }
}
