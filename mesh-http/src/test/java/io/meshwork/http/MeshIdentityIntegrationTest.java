package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Mesh;
import io.meshwork.core.MeshContext;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.testing.Pki;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.context.Context;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mesh owns its identity: a client and a server built from a mesh with {@code
 * identity(MeshTls.developmentCa(...))} speak mutual TLS in strict mode with no TLS argument, the
 * identity's service and trust domain coming from the mesh and the registry; closing the mesh
 * closes the identity and removes its meter. And the server's builder reads as mesh-grpc's:
 * {@code register(true)}, {@code start()}, a drain on close.
 */
class MeshIdentityIntegrationTest {
  @TempDir Path dir;
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final SimpleMeterRegistry serverMeters = new SimpleMeterRegistry();
  private Mesh serverMesh;
  private Mesh clientMesh;
  private MeshHttpServer server;
  private OkHttpClient client;

  @BeforeEach
  void setUp() {
    registry.setMesh(new MeshSettings("meshwork.test", TlsMode.STRICT));
    Path ca = dir.resolve("ca");
    serverMesh = Mesh.builder().serviceName("greeter").registry(registry).meterRegistry(serverMeters)
        .identity(MeshTls.developmentCa(ca)).build();
    clientMesh = Mesh.builder().serviceName("frontend").registry(registry).meterRegistry(new SimpleMeterRegistry())
        .identity(MeshTls.developmentCa(ca)).build();
  }

  @AfterEach
  void tearDown() {
    if (client != null) {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
    if (server != null) server.close();
    clientMesh.close();
    serverMesh.close();
    registry.close();
  }

  @Test
  void clientAndServerOfMeshesWithIdentitiesSpeakMutualTlsWithoutBeingHandedIt() throws Exception {
    AtomicReference<String> caller = new AtomicReference<>();
    server = MeshHttp.server(serverMesh).handler("/", exchange -> {
      caller.set(MeshContext.callerIdentity(Context.current()));
      respond(exchange, 200, "hello");
    }).register(true).start();
    client = MeshHttp.client(clientMesh);

    try (Response r = client.newCall(new Request.Builder().url("http://greeter/").build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.handshake()).as("a TLS handshake").isNotNull();
      assertThat(MeshTls.identityOf((java.security.cert.X509Certificate) r.handshake().peerCertificates().get(0)))
          .hasValueSatisfying(id -> assertThat(id.toString()).isEqualTo("spiffe://meshwork.test/service/greeter"));
    }
    assertThat(caller.get()).isEqualTo("spiffe://meshwork.test/service/frontend");
    assertThat(serverMesh.identity()).hasValueSatisfying(
        id -> assertThat(id.spiffeId()).isEqualTo("spiffe://meshwork.test/service/greeter"));
  }

  @Test
  void closingTheMeshClosesItsIdentityAndRemovesItsExpiryGauge() {
    assertThat(serverMeters.find(MeshTls.CERTIFICATE_EXPIRY).tag("service", "greeter").gauge()).isNotNull();
    serverMesh.close();
    assertThat(serverMeters.find(MeshTls.CERTIFICATE_EXPIRY).gauges()).isEmpty();
  }

  @Test
  void anIdentityForAnotherServiceIsRefusedWhenTheMeshIsBuilt() {
    Pki pki = new Pki(dir.resolve("other"));
    try (pki) {
      assertThatThrownBy(() -> Mesh.builder().serviceName("greeter").registry(registry)
          .identity(MeshTls.from(pki.manualIdentity("billing"))).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("spiffe://example.org/service/billing")
          .hasMessageContaining("expected: spiffe://meshwork.test/service/greeter");
    }
  }

  @Test
  void closeWithdrawsTheEndpointThenLetsARequestInFlightFinish() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    server = MeshHttp.server(serverMesh).handler("/", exchange -> {
      entered.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      respond(exchange, 200, "late");
    }).register(true).start();
    assertThat(server.address().host()).as("default bind").isEqualTo("127.0.0.1");
    client = MeshHttp.client(clientMesh);
    assertThat(clientMesh.destination("greeter").endpoints()).singleElement()
        .satisfies(e -> assertThat(e.endpoint().address()).isEqualTo(server.address()));

    var inFlight = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try (Response r = client.newCall(new Request.Builder().url("http://greeter/").build()).execute()) {
        return r.code() + " " + r.body().string();
      } catch (java.io.IOException e) {
        return e.toString();
      }
    });
    assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
    Thread closer = new Thread(server::close);
    closer.start();
    await().atMost(Duration.ofSeconds(2)).until(() -> clientMesh.destination("greeter").endpoints().isEmpty());
    assertThat(closer.isAlive()).as("close waits for the request in flight").isTrue();
    release.countDown();
    assertThat(inFlight.get(5, TimeUnit.SECONDS)).isEqualTo("200 late");
    closer.join(5000);
    assertThat(closer.isAlive()).isFalse();
  }

  private static void respond(com.sun.net.httpserver.HttpExchange exchange, int status, String text) throws java.io.IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
