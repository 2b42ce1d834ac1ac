package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshwork.core.Mesh;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.RotatingIdentity;
import io.meshwork.tls.testing.Pki;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two ways rotation reaches connections that are already open: the server closes a
 * connection older than its maximum age after answering on it, and a client evicts its idle
 * connections when its own certificate changes.
 */
class ConnectionRecyclingIntegrationTest {
  @TempDir Path dir;
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private Pki pki;
  private Mesh serverMesh;
  private Mesh clientMesh;
  private Backend backend;
  private OkHttpClient client;

  @BeforeEach
  void setUp() {
    registry.setMesh(new MeshSettings(Pki.TRUST_DOMAIN, TlsMode.STRICT));
    pki = new Pki(dir.resolve("ca"));
    serverMesh = Meshes.of("greeter", registry);
    clientMesh = Meshes.of("frontend", registry);
  }

  @AfterEach
  void tearDown() {
    if (client != null) {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
    if (backend != null) backend.close();
    clientMesh.close();
    serverMesh.close();
    registry.close();
    pki.close();
  }

  @Test
  void aConnectionOlderThanTheServersMaximumAgeIsClosedAfterItsNextResponse() throws Exception {
    backend = Backend.start(serverMesh, pki.tls("greeter"), b -> b.maxConnectionAge(Duration.ofSeconds(1)));
    Meshes.putAllowing(registry, "greeter", List.of(backend), "*");
    client = MeshHttp.client(clientMesh, pki.tls("frontend"));

    assertThat(connectionHeader()).as("a young connection").isNull();
    Thread.sleep(1_100);
    assertThat(connectionHeader()).as("the same connection, now older than 1 s").isEqualTo("close");
    assertThat(connectionHeader()).as("a new connection").isNull();
    assertThat(backend.tlsSessions).hasSize(2);
  }

  @Test
  void theDefaultMaximumAgeIsAQuarterOfTheCertificateLifetimeAndAtLeastASecond() {
    assertThat(MeshHttpServer.defaultMaxConnectionAge(pki.tls("greeter", Duration.ofHours(24)))).isEqualTo(Duration.ofHours(6));
    assertThat(MeshHttpServer.defaultMaxConnectionAge(pki.tls("greeter", Duration.ofSeconds(2)))).isEqualTo(Duration.ofSeconds(1));
    assertThatThrownBy(() -> MeshHttpServer.builder(serverMesh).maxConnectionAge(Duration.ofMillis(999)))
        .hasMessage("maxConnectionAge: PT0.999S (expected: at least PT1S)");
  }

  @Test
  void aClientEvictsItsIdleConnectionsWhenItsCertificateChanges() throws IOException {
    backend = Backend.start(serverMesh, pki.tls("greeter"));
    Meshes.putAllowing(registry, "greeter", List.of(backend), "*");
    RotatingIdentity frontend = pki.manualIdentity("frontend");
    client = MeshHttp.client(clientMesh, MeshTls.create(frontend));
    connectionHeader();
    assertThat(client.connectionPool().idleConnectionCount()).isEqualTo(1);

    assertThat(frontend.renewIfDue(Instant.now().plus(Duration.ofHours(1)))).isTrue();

    assertThat(client.connectionPool().connectionCount()).as("pooled connections after the rotation").isZero();
    connectionHeader();
    assertThat(backend.tlsSessions).hasSize(2);
    assertThat(backend.clientCertificates).as("client certificates the server saw")
        .hasSize(2).contains(frontend.current().leaf().getSerialNumber());
  }

  private String connectionHeader() throws IOException {
    try (Response r = client.newCall(new Request.Builder().url("http://greeter/").build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
      r.body().string();
      return r.header("Connection");
    }
  }
}
