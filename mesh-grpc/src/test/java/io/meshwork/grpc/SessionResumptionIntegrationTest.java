package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.StreamObserver;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloReply;
import io.meshwork.grpc.test.HelloRequest;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.PeerIdentityPolicy;
import io.meshwork.tls.RotatingIdentity;
import io.meshwork.tls.testing.Pki;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No TLS session is ever resumed across a mesh connection, even when the other side is a plain
 * gRPC peer that would: each connection presents the current certificate and checks the peer's
 * now. A resumed session would show the certificate of the handshake that created it.
 */
class SessionResumptionIntegrationTest {
  private static final HelloRequest HELLO = HelloRequest.newBuilder().setName("x").build();

  @TempDir Path dir;
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private Pki pki;
  private Mesh serverMesh;
  private Mesh clientMesh;
  private RotatingIdentity greeterIdentity;
  private MeshTls greeterTls;
  private MeshTls frontendTls;

  @BeforeEach
  void setUp() {
    registry.setMesh(new MeshSettings(Pki.TRUST_DOMAIN, TlsMode.STRICT));
    pki = new Pki(dir.resolve("ca"));
    serverMesh = Meshes.of("greeter", registry);
    clientMesh = Meshes.of("frontend", registry);
    greeterIdentity = pki.manualIdentity("greeter");
    greeterTls = MeshTls.create(greeterIdentity);
    frontendTls = pki.tls("frontend");
  }

  @AfterEach
  void tearDown() {
    clientMesh.close();
    serverMesh.close();
    pki.close();
  }

  @Test
  void aMeshServerResumesNoSessionEvenForAClientThatCachesThem() throws Exception {
    Backend greeter = Backend.start(serverMesh, greeterTls);
    // A plain gRPC client whose BoringSSL context caches sessions (the default), shared by both channels.
    SslContext caching = GrpcSslContexts.forClient()
        .keyManager(frontendTls.keyManager())
        .trustManager(frontendTls.trustManager(PeerIdentityPolicy.service(Pki.TRUST_DOMAIN, "greeter")))
        .protocols(MeshTls.PROTOCOLS)
        .build();
    try {
      BigInteger first = serverSerialOfOneConnection(NettyChannelBuilder.forTarget("dns:///127.0.0.1:" + greeter.port())
          .sslContext(caching).overrideAuthority("greeter:1"));
      renewServerCertificate();
      BigInteger second = serverSerialOfOneConnection(NettyChannelBuilder.forTarget("dns:///127.0.0.1:" + greeter.port())
          .sslContext(caching).overrideAuthority("greeter:1"));

      assertThat(second).as("the certificate the second connection presented")
          .isNotEqualTo(first)
          .isEqualTo(serialOf(greeterIdentity.current().leaf()));
    } finally {
      greeter.close();
    }
  }

  @Test
  void aMeshChannelResumesNoSessionEvenWithAServerThatIssuesTickets() throws Exception {
    // A plain gRPC server with BoringSSL's defaults for TLS 1.3, tickets included; connections live 1 s.
    SslContext ticketing = GrpcSslContexts.configure(SslContextBuilder.forServer(greeterTls.keyManager()))
        .trustManager(greeterTls.trustManager(PeerIdentityPolicy.trustDomain(Pki.TRUST_DOMAIN)))
        .clientAuth(ClientAuth.REQUIRE)
        .protocols(MeshTls.PROTOCOLS)
        .build();
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .sslContext(ticketing)
        .maxConnectionAge(1, TimeUnit.SECONDS)
        .maxConnectionAgeGrace(1, TimeUnit.SECONDS)
        .addService(new GreeterGrpc.GreeterImplBase() {
          @Override
          public void sayHello(HelloRequest request, StreamObserver<HelloReply> out) {
            out.onNext(HelloReply.getDefaultInstance());
            out.onCompleted();
          }
        })
        .build()
        .start();
    Meshes.putPorts(registry, "greeter", List.of(server.getPort()), "*");
    AtomicReference<BigInteger> seen = new AtomicReference<>();
    ManagedChannel channel = MeshGrpc.channelBuilder(clientMesh, "greeter", frontendTls)
        .intercept(new ServerSerial(seen))
        .build();
    try {
      GreeterGrpc.GreeterBlockingStub stub = GreeterGrpc.newBlockingStub(channel);
      stub.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO);
      BigInteger first = seen.get();
      renewServerCertificate();
      BigInteger renewed = serialOf(greeterIdentity.current().leaf());

      // The server closes the connection within 2 s; the next one must present the new certificate.
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
        stub.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO);
        return renewed.equals(seen.get());
      });
      assertThat(first).isNotEqualTo(renewed);
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
    }
  }

  private void renewServerCertificate() {
    BigInteger before = serialOf(greeterIdentity.current().leaf());
    assertThat(greeterIdentity.renewIfDue(Instant.now().plus(Duration.ofHours(1)))).isTrue();
    assertThat(serialOf(greeterIdentity.current().leaf())).isNotEqualTo(before);
  }

  /**
   * The certificate the server presented on a new channel's connection. Several calls, so that
   * the server's post-handshake messages (TLS 1.3 session tickets, if it sent any) have arrived
   * before the channel closes.
   */
  private static BigInteger serverSerialOfOneConnection(NettyChannelBuilder builder) throws InterruptedException {
    AtomicReference<BigInteger> seen = new AtomicReference<>();
    ManagedChannel channel = builder.intercept(new ServerSerial(seen)).build();
    try {
      for (int i = 0; i < 3; i++) {
        GreeterGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO);
      }
      return seen.get();
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static BigInteger serialOf(X509Certificate c) {
    return c.getSerialNumber();
  }

  /** Keeps the serial of the certificate the server presented on the last call's connection. */
  private static final class ServerSerial implements ClientInterceptor {
    private final AtomicReference<BigInteger> seen;

    ServerSerial(AtomicReference<BigInteger> seen) {
      this.seen = seen;
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
              try {
                seen.set(((X509Certificate) session.getPeerCertificates()[0]).getSerialNumber());
              } catch (Exception e) {
                throw new AssertionError(e);
              }
              super.onHeaders(h);
            }
          }, headers);
        }
      };
    }
  }
}
