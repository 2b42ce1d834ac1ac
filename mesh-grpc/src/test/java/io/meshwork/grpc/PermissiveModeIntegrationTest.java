package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.meshwork.core.Mesh;
import io.meshwork.core.inbound.InboundGuard;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloRequest;
import io.meshwork.tls.DevCertificateAuthority;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.PeerIdentityPolicy;
import io.meshwork.tls.testing.Pki;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Permissive mode serves plaintext and mutual TLS on one port, and mode changes in the registry
 * reach channels and servers that are already running.
 */
class PermissiveModeIntegrationTest {
  private static final HelloRequest HELLO = HelloRequest.newBuilder().setName("x").build();
  private static final String FRONTEND = "spiffe://example.org/service/frontend";

  @TempDir Path dir;
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private Pki pki;
  private Mesh serverMesh;
  private Mesh clientMesh;
  private Backend greeter;

  @BeforeEach
  void setUp() {
    registry.setMesh(new MeshSettings(Pki.TRUST_DOMAIN, TlsMode.PERMISSIVE));
    pki = new Pki(dir.resolve("ca"));
    serverMesh = Meshes.of("greeter", registry);
    clientMesh = Meshes.of("frontend", registry);
    greeter = Backend.start(serverMesh, pki.tls("greeter"));
    Meshes.putAllowing(registry, "greeter", List.of(greeter), "*");
  }

  @AfterEach
  void tearDown() {
    channels.forEach(ManagedChannel::shutdownNow);
    greeter.close();
    clientMesh.close();
    serverMesh.close();
    pki.close();
  }

  @Test
  void aPermissiveServerServesPlaintextAndMutualTlsCallersOnOnePort() {
    ManagedChannel mutual = keep(MeshGrpc.channel(clientMesh, "greeter", pki.tls("frontend")));
    ManagedChannel plaintext = keep(MeshGrpc.channel(clientMesh, "greeter"));

    hello(mutual);
    assertThat(greeter.lastCaller).as("identity over mTLS").isEqualTo(FRONTEND);
    hello(plaintext);
    assertThat(greeter.lastCaller).as("identity over plaintext").isEmpty();
    hello(mutual);
    assertThat(greeter.lastCaller).isEqualTo(FRONTEND);

    await().atMost(Duration.ofSeconds(5)).until(() -> count("frontend") == 2 && count("unknown") == 1);
  }

  @Test
  void aPermissiveServerDeniesAPlaintextCallerWhenItsPolicyNamesCallers() {
    Meshes.putAllowing(registry, "greeter", List.of(greeter), "frontend");

    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
        () -> hello(keep(MeshGrpc.channel(clientMesh, "greeter"))));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(e.getStatus().getDescription()).startsWith("greeter: the caller has no verified identity");

    hello(keep(MeshGrpc.channel(clientMesh, "greeter", pki.tls("frontend"))));
    assertThat(greeter.hellos.get()).isEqualTo(1);
  }

  @Test
  void aPermissiveServerStillRefusesACertificateFromAnotherCa() {
    DevCertificateAuthority other = DevCertificateAuthority.open(dir.resolve("other-ca"));

    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
        () -> hello(keep(MeshGrpc.channel(clientMesh, "greeter", pki.foreignTls("frontend", other)))));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(greeter.hellos.get()).isZero();
  }

  @Test
  void aTlsChannelWithoutAClientCertificateIsAnonymousInPermissiveModeAndRefusedOnceTheModeIsStrict() throws Exception {
    // A plain gRPC channel that verifies greeter's certificate but has none of its own.
    SslContext withoutCertificate = GrpcSslContexts.forClient()
        .trustManager(pki.tls("frontend").trustManager(PeerIdentityPolicy.service(Pki.TRUST_DOMAIN, "greeter")))
        .protocols(MeshTls.PROTOCOLS)
        .build();
    ManagedChannel anonymous = keep(NettyChannelBuilder.forTarget("dns:///127.0.0.1:" + greeter.port())
        .sslContext(withoutCertificate).overrideAuthority("greeter:1").build());
    hello(anonymous);
    assertThat(greeter.lastCaller).as("permissive: TLS without a certificate is anonymous").isEmpty();

    // Strict: a verified client identity on every call, so the connection opened in permissive
    // mode (TLS, but no client certificate) carries no call any more, as on a mesh HTTP server.
    registry.setMesh(new MeshSettings(Pki.TRUST_DOMAIN, TlsMode.STRICT));
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> hello(anonymous));

    assertThat(e).as("the call was refused").isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.getStatus().getDescription()).isEqualTo("greeter: this service requires mutual TLS (mesh TLS mode is"
        + " strict): every call needs a verified client identity, but this call came over TLS without a client"
        + " certificate (a connection opened before the mode changed)");
    assertThat(greeter.hellos.get()).as("handlers run").isEqualTo(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> {
      var t = serverMesh.meterRegistry().find(InboundGuard.REQUESTS).tags("caller", "unknown", "outcome", "refused",
          "status", "503", "error.type", "identity-required").timer();
      return t != null && t.count() == 1;
    });
  }

  @Test
  void modeChangesReachRunningChannelsAndServers() {
    registry.setMesh(new MeshSettings(Pki.TRUST_DOMAIN, TlsMode.DISABLED));
    ManagedChannel channel = keep(MeshGrpc.channel(clientMesh, "greeter", pki.tls("frontend")));
    ManagedChannel withoutIdentity = keep(MeshGrpc.channel(clientMesh, "greeter"));
    hello(channel);
    assertThat(greeter.lastCaller).as("disabled: plaintext").isEmpty();

    registry.setMesh(new MeshSettings(Pki.TRUST_DOMAIN, TlsMode.STRICT));
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
      hello(channel);
      assertThat(greeter.lastCaller).as("strict: mutual TLS on a new connection").isEqualTo(FRONTEND);
    });
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> hello(withoutIdentity));
    assertThat(e.getStatus().getDescription()).contains("no workload identity");

    registry.setMesh(new MeshSettings(Pki.TRUST_DOMAIN, TlsMode.DISABLED));
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
      hello(channel);
      assertThat(greeter.lastCaller).as("disabled again: plaintext").isEmpty();
    });
  }

  private ManagedChannel keep(ManagedChannel channel) {
    channels.add(channel);
    return channel;
  }

  private static void hello(ManagedChannel channel) {
    GreeterGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO);
  }

  private long count(String caller) {
    var t = serverMesh.meterRegistry().find(InboundGuard.REQUESTS).tag("caller", caller).tag("status", "200").timer();
    return t == null ? 0 : t.count();
  }
}
