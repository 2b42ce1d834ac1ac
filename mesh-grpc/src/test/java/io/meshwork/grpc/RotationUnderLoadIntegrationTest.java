package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.stub.StreamObserver;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloReply;
import io.meshwork.grpc.test.HelloRequest;
import io.meshwork.tls.testing.Pki;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates of 5 s, on the real clock, rotate several times on both sides while 4 threads
 * call over gRPC without pause: no call fails, and both sides present at least three different
 * certificates. Nothing is rebuilt: the key managers present the current certificate at each
 * handshake, and the server's maximum connection age (a quarter of the lifetime by default)
 * makes clients reconnect. Were TLS sessions resumed, each side would keep seeing the first
 * certificate of the other.
 */
class RotationUnderLoadIntegrationTest {
  private static final HelloRequest HELLO = HelloRequest.newBuilder().setName("x").build();
  private static final Duration LIFETIME = Duration.ofSeconds(5);
  private static final int THREADS = 4;
  private static final int CERTIFICATES = 3;

  @TempDir Path dir;

  @Test
  void certificatesOfFiveSecondsRotateUnderLoadWithoutAFailedCall() throws Exception {
    InMemoryRegistry registry = InMemoryRegistry.create();
    registry.setMesh(new MeshSettings(Pki.TRUST_DOMAIN, TlsMode.STRICT));
    Set<BigInteger> serverCertificates = ConcurrentHashMap.newKeySet();
    Set<BigInteger> clientCertificates = ConcurrentHashMap.newKeySet();
    Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    AtomicInteger calls = new AtomicInteger();
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService callers = Executors.newFixedThreadPool(THREADS);

    try (Pki pki = new Pki(dir.resolve("ca"));
        Mesh serverMesh = Meshes.of("greeter", registry);
        Mesh clientMesh = Meshes.of("frontend", registry)) {
      MeshServer server = MeshGrpc.server(serverMesh)
          .tls(pki.tls("greeter", LIFETIME))
          .addService(new GreeterGrpc.GreeterImplBase() {
            @Override
            public void sayHello(HelloRequest request, StreamObserver<HelloReply> out) {
              out.onNext(HelloReply.getDefaultInstance());
              out.onCompleted();
            }
          })
          .intercept(new PeerCertificates(clientCertificates))
          .start();
      Meshes.putPorts(registry, "greeter", List.of(server.port()), "frontend");
      ManagedChannel channel = MeshGrpc.channelBuilder(clientMesh, "greeter", pki.tls("frontend", LIFETIME))
          .intercept(new ServerCertificates(serverCertificates))
          .build();
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
        // Renewals at two thirds of 5 s: a third certificate is in force after about 7 s.
        await().atMost(Duration.ofSeconds(30)).until(() -> !failures.isEmpty()
            || serverCertificates.size() >= CERTIFICATES && clientCertificates.size() >= CERTIFICATES);
        running.set(false);
        callers.shutdown();
        assertThat(callers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

        assertThat(failures).as("failed calls (of %d)", calls.get()).isEmpty();
        assertThat(serverCertificates).as("server certificates the client saw").hasSizeGreaterThanOrEqualTo(CERTIFICATES);
        assertThat(clientCertificates).as("client certificates the server saw").hasSizeGreaterThanOrEqualTo(CERTIFICATES);
        assertThat(calls.get()).isGreaterThan(100);
      } finally {
        running.set(false);
        callers.shutdownNow();
        channel.shutdownNow();
        server.shutdownNow();
      }
    }
  }

  private static BigInteger peerSerial(SSLSession session) {
    try {
      return ((X509Certificate) session.getPeerCertificates()[0]).getSerialNumber();
    } catch (SSLPeerUnverifiedException e) {
      throw new AssertionError("a mesh peer without a certificate", e);
    }
  }

  /** Records the serial of the certificate the server presented on each call's connection. */
  private static final class ServerCertificates implements ClientInterceptor {
    private final Set<BigInteger> serials;

    ServerCertificates(Set<BigInteger> serials) {
      this.serials = serials;
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
        CallOptions options, Channel next) {
      return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<RespT> listener, Metadata headers) {
          ClientCall<ReqT, RespT> call = this;
          super.start(new SimpleForwardingClientCallListener<>(listener) {
            @Override
            public void onHeaders(Metadata h) {
              SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
              if (session != null) serials.add(peerSerial(session));
              super.onHeaders(h);
            }
          }, headers);
        }
      };
    }
  }

  /** Records the serial of the certificate the client presented on each call's connection. */
  private static final class PeerCertificates implements ServerInterceptor {
    private final Set<BigInteger> serials;

    PeerCertificates(Set<BigInteger> serials) {
      this.serials = serials;
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
        ServerCallHandler<ReqT, RespT> next) {
      SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
      if (session != null) serials.add(peerSerial(session));
      return next.startCall(new SimpleForwardingServerCall<>(call) {}, headers);
    }
  }
}
