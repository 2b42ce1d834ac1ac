package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.meshwork.core.Mesh;
import io.meshwork.core.inbound.InboundGuard;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloRequest;
import io.meshwork.tls.DevCertificateAuthority;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.testing.Pki;
import io.micrometer.core.instrument.Timer;
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
 * Strict mode over real TLS on loopback: who a mesh server refuses, which server a mesh channel
 * refuses, and where the caller's identity comes from (the certificate, never the metadata).
 */
class MutualTlsIntegrationTest {
  private static final HelloRequest HELLO = HelloRequest.newBuilder().setName("x").build();
  private static final String FRONTEND = "spiffe://example.org/service/frontend";

  @TempDir Path dir;
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<Backend> backends = new ArrayList<>();
  private final List<Mesh> meshes = new ArrayList<>();
  private Pki pki;
  private Mesh serverMesh;
  private Mesh clientMesh;
  private Backend greeter;

  @BeforeEach
  void setUp() {
    registry.setMesh(new MeshSettings(Pki.TRUST_DOMAIN, TlsMode.STRICT));
    pki = new Pki(dir.resolve("ca"));
    serverMesh = mesh("greeter");
    clientMesh = mesh("frontend");
    greeter = backend(serverMesh, pki.tls("greeter"));
    Meshes.putAllowing(registry, "greeter", List.of(greeter), "*");
  }

  @AfterEach
  void tearDown() {
    channels.forEach(ManagedChannel::shutdownNow);
    backends.forEach(Backend::close);
    meshes.forEach(Mesh::close);
    pki.close();
  }

  @Test
  void aStrictServerRefusesAPlaintextClientSayingItRequiresMutualTls() {
    ManagedChannel plaintext = keep(NettyChannelBuilder.forTarget("dns:///127.0.0.1:" + greeter.port()).usePlaintext().build());

    StatusRuntimeException e = failure(plaintext);

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.getStatus().getDescription()).as("what the client is told (was: Network closed for unknown reason)")
        .startsWith("greeter: this service requires mutual TLS (mesh TLS mode is strict)");
    assertThat(greeter.hellos.get()).as("handlers run").isZero();
  }

  @Test
  void aChannelWithoutAnIdentityFailsInStrictModeWithTheReasonAndSendsNothing() {
    StatusRuntimeException e = failure(keep(MeshGrpc.channel(clientMesh, "greeter")));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.getStatus().getDescription()).isEqualTo(
        "greeter: mesh TLS mode is strict but this channel has no workload identity; pass a MeshTls");
    assertThat(requests(serverMesh)).isZero();
  }

  @Test
  void aStrictServerRefusesAClientWhoseCertificateComesFromAnotherCa() {
    DevCertificateAuthority other = DevCertificateAuthority.open(dir.resolve("other-ca"));
    MeshTls foreign = pki.foreignTls("frontend", other); // trusts greeter, but greeter cannot trust it

    StatusRuntimeException e = failure(keep(MeshGrpc.channel(clientMesh, "greeter", foreign)));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.getStatus().getDescription()).as("the server ended the handshake with an alert").containsIgnoringCase("alert");
    assertThat(greeter.hellos.get()).as("handlers run").isZero();
    assertThat(requests(serverMesh)).as("calls the server saw").isZero();
  }

  @Test
  void aStrictServerDeniesACallerItsAccessPolicyDoesNotAllowWithTheReason() {
    Meshes.putAllowing(registry, "greeter", List.of(greeter), "checkout");

    StatusRuntimeException e = failure(keep(MeshGrpc.channel(clientMesh, "greeter", pki.tls("frontend"))));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(e.getStatus().getDescription())
        .isEqualTo("greeter: caller " + FRONTEND + " is not allowed (allow: checkout)");
    assertThat(greeter.hellos.get()).as("handlers run").isZero();
    assertThat(timer(serverMesh, "frontend", "403").count()).isEqualTo(1);
  }

  @Test
  void aClientExpectingGreeterRefusesAServerPresentingAnotherIdentityBeforeSendingTheRequest() {
    Mesh billingMesh = mesh("billing");
    Backend impostor = backend(billingMesh, pki.tls("billing")); // a valid certificate, of billing
    Meshes.putAllowing(registry, "greeter", List.of(impostor), "*");

    StatusRuntimeException e = failure(keep(MeshGrpc.channel(clientMesh, "greeter", pki.tls("frontend"))));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.getStatus().getDescription()).contains("spiffe://example.org/service/billing is not accepted")
        .contains("expected: spiffe://example.org/service/greeter");
    assertThat(impostor.hellos.get()).as("handlers run").isZero();
    assertThat(requests(billingMesh)).as("calls the impostor saw").isZero();
  }

  @Test
  void handlersReadTheCallerIdentityFromTheMeshContext() {
    ManagedChannel channel = keep(MeshGrpc.channel(clientMesh, "greeter", pki.tls("frontend")));

    hello(channel);

    assertThat(greeter.lastCaller).isEqualTo(FRONTEND);
    assertThat(timer(serverMesh, "frontend", "200").count()).as("requests tagged with the caller").isEqualTo(1);
  }

  @Test
  void aSpoofedIdentityInTheMetadataChangesNothing() {
    Metadata spoofed = new Metadata();
    String admin = "spiffe://example.org/service/admin";
    spoofed.put(Metadata.Key.of("x-forwarded-client-cert", Metadata.ASCII_STRING_MARSHALLER),
        "By=spiffe://example.org/service/greeter;URI=" + admin);
    spoofed.put(Metadata.Key.of("mesh-caller-identity", Metadata.ASCII_STRING_MARSHALLER), admin);
    spoofed.put(Metadata.Key.of("x-spiffe-id", Metadata.ASCII_STRING_MARSHALLER), admin);
    spoofed.put(Metadata.Key.of("x-client-identity", Metadata.ASCII_STRING_MARSHALLER), admin);
    GreeterGrpc.GreeterBlockingStub stub = GreeterGrpc.newBlockingStub(keep(MeshGrpc.channel(clientMesh, "greeter", pki.tls("frontend"))))
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(spoofed));

    stub.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO);
    assertThat(greeter.lastCaller).as("identity the handler sees").isEqualTo(FRONTEND);

    Meshes.putAllowing(registry, "greeter", List.of(greeter), "admin");
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
        () -> stub.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(e.getStatus().getDescription()).isEqualTo("greeter: caller " + FRONTEND + " is not allowed (allow: admin)");
    assertThat(greeter.hellos.get()).isEqualTo(1);
    assertThat(serverMesh.meterRegistry().find(InboundGuard.REQUESTS).tag("caller", "admin").timer()).isNull();
  }

  // ---- helpers ------------------------------------------------------------------------------

  private Mesh mesh(String service) {
    Mesh m = Meshes.of(service, registry);
    meshes.add(m);
    return m;
  }

  private Backend backend(Mesh mesh, MeshTls tls) {
    Backend b = Backend.start(mesh, tls);
    backends.add(b);
    return b;
  }

  private ManagedChannel keep(ManagedChannel channel) {
    channels.add(channel);
    return channel;
  }

  private static void hello(ManagedChannel channel) {
    GreeterGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO);
  }

  private static StatusRuntimeException failure(ManagedChannel channel) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> hello(channel));
    assertThat(e).as("the call failed").isNotNull();
    return e;
  }

  private static long requests(Mesh mesh) {
    return mesh.meterRegistry().find(InboundGuard.REQUESTS).timers().stream().mapToLong(Timer::count).sum();
  }

  /** The request timer of {@code caller} and {@code status}, once the server has recorded it (after answering). */
  private static Timer timer(Mesh mesh, String caller, String status) {
    await().atMost(Duration.ofSeconds(5)).until(() ->
        mesh.meterRegistry().find(InboundGuard.REQUESTS).tag("caller", caller).tag("status", status).timer() != null);
    return mesh.meterRegistry().get(InboundGuard.REQUESTS).tag("caller", caller).tag("status", status).timer();
  }
}
