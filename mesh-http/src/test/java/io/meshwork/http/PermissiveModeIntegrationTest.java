package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Mesh;
import io.meshwork.core.inbound.InboundGuard;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.tls.DevCertificateAuthority;
import io.meshwork.tls.testing.Pki;
import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Permissive mode serves plaintext and mutual TLS on one port (the JDK server's engine tells
 * them apart by the client's first byte), and mode changes in the registry reach clients and
 * servers that are already running.
 */
class PermissiveModeIntegrationTest {
  private static final String FRONTEND = "spiffe://example.org/service/frontend";

  @TempDir Path dir;
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final List<OkHttpClient> clients = new ArrayList<>();
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
    for (OkHttpClient c : clients) {
      c.dispatcher().executorService().shutdown();
      c.connectionPool().evictAll();
    }
    greeter.close();
    clientMesh.close();
    serverMesh.close();
    registry.close();
    pki.close();
  }

  @Test
  void aPermissiveServerServesPlaintextAndMutualTlsCallersOnOnePort() throws IOException {
    OkHttpClient mutual = keep(MeshHttp.client(clientMesh, pki.tls("frontend")));
    OkHttpClient plaintext = keep(MeshHttp.client(clientMesh));

    assertThat(hello(mutual)).isEqualTo(200);
    assertThat(greeter.lastCaller).as("identity over mTLS").isEqualTo(FRONTEND);
    assertThat(hello(plaintext)).isEqualTo(200);
    assertThat(greeter.lastCaller).as("identity over plaintext").isEmpty();
    assertThat(hello(mutual)).isEqualTo(200);
    assertThat(greeter.lastCaller).isEqualTo(FRONTEND);
    assertThat(hello(keep(new OkHttpClient()), "http://127.0.0.1:" + greeter.port() + "/")).as("a plain HTTP client").isEqualTo(200);

    assertThat(greeter.tlsSessions).as("TLS connections").hasSize(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> count("frontend") == 2 && count("unknown") == 2);
  }

  @Test
  void aPermissiveServerDeniesAPlaintextCallerWhenItsPolicyNamesCallers() throws IOException {
    Meshes.putAllowing(registry, "greeter", List.of(greeter), "frontend");

    try (Response r = get(keep(MeshHttp.client(clientMesh)), "http://greeter/")) {
      assertThat(r.code()).isEqualTo(403);
      assertThat(r.body().string()).startsWith("greeter: the caller has no verified identity");
    }

    assertThat(hello(keep(MeshHttp.client(clientMesh, pki.tls("frontend"))))).isEqualTo(200);
    assertThat(greeter.hits.get()).isEqualTo(1);
  }

  @Test
  void aPermissiveServerStillRefusesACertificateFromAnotherCa() {
    DevCertificateAuthority other = DevCertificateAuthority.open(dir.resolve("other-ca"));
    OkHttpClient foreign = keep(MeshHttp.client(clientMesh, pki.foreignTls("frontend", other)));

    IOException e = catchThrowableOfType(IOException.class, () -> hello(foreign));

    assertThat(e).as("the call failed").isNotNull();
    assertThat(greeter.hits.get()).isZero();
  }

  @Test
  void modeChangesReachRunningClientsAndServers() throws IOException {
    registry.setMesh(new MeshSettings(Pki.TRUST_DOMAIN, TlsMode.DISABLED));
    OkHttpClient client = keep(MeshHttp.client(clientMesh, pki.tls("frontend")));
    OkHttpClient withoutIdentity = keep(MeshHttp.client(clientMesh));
    assertThat(hello(client)).isEqualTo(200);
    assertThat(greeter.lastCaller).as("disabled: plaintext").isEmpty();

    registry.setMesh(new MeshSettings(Pki.TRUST_DOMAIN, TlsMode.STRICT));
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
      assertThat(hello(client)).isEqualTo(200);
      assertThat(greeter.lastCaller).as("strict: mutual TLS on a new connection").isEqualTo(FRONTEND);
    });
    MeshIOException e = catchThrowableOfType(MeshIOException.class, () -> hello(withoutIdentity));
    assertThat(e.getMessage()).contains("no workload identity");

    registry.setMesh(new MeshSettings(Pki.TRUST_DOMAIN, TlsMode.DISABLED));
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
      assertThat(hello(client)).isEqualTo(200);
      assertThat(greeter.lastCaller).as("disabled again: plaintext").isEmpty();
    });
  }

  @Test
  void aPlaintextConnectionOpenedBeforeTheModeBecameStrictIsRefusedWith503AndClosed() throws IOException {
    OkHttpClient plain = keep(new OkHttpClient());
    String url = "http://127.0.0.1:" + greeter.port() + "/";
    assertThat(hello(plain, url)).isEqualTo(200);
    assertThat(plain.connectionPool().connectionCount()).as("kept alive").isEqualTo(1);

    registry.setMesh(new MeshSettings(Pki.TRUST_DOMAIN, TlsMode.STRICT));
    try (Response r = get(plain, url)) {
      assertThat(r.code()).isEqualTo(503);
      assertThat(r.header("Connection")).isEqualTo("close");
      assertThat(r.body().string()).isEqualTo("greeter: this service requires mutual TLS (mesh TLS mode is strict):"
          + " every call needs a verified client identity, but this call came over plaintext (a client without a"
          + " MeshTls, a server without a MeshTls, or a connection opened before the mode changed)\n");
    }
    assertThat(greeter.hits.get()).isEqualTo(1);
    assertThat(plain.connectionPool().connectionCount()).as("the connection closed").isZero();
    assertThat(catchThrowableOfType(IOException.class, () -> hello(plain, url))).as("a new plaintext connection").isNotNull();
  }

  @Test
  void aTlsClientWithoutACertificateIsAnonymousInPermissiveModeAndRefusedOnceTheModeIsStrict() throws Exception {
    OkHttpClient anonymous = keep(tlsWithoutCertificate());
    String url = "https://127.0.0.1:" + greeter.port() + "/";
    assertThat(hello(anonymous, url)).isEqualTo(200);
    assertThat(greeter.lastCaller).as("caller over TLS without a certificate").isEmpty();
    assertThat(greeter.tlsSessions).hasSize(1);

    registry.setMesh(new MeshSettings(Pki.TRUST_DOMAIN, TlsMode.STRICT));
    try (Response r = get(anonymous, url)) {
      assertThat(r.code()).as("the connection opened in permissive mode").isEqualTo(503);
      assertThat(r.header("Connection")).isEqualTo("close");
      assertThat(r.body().string()).isEqualTo("greeter: this service requires mutual TLS (mesh TLS mode is strict):"
          + " every call needs a verified client identity, but this call came over TLS without a client certificate"
          + " (a connection opened before the mode changed)\n");
    }
    assertThat(catchThrowableOfType(IOException.class, () -> hello(anonymous, url))).as("a new connection").isNotNull();
    assertThat(greeter.hits.get()).isEqualTo(1);
  }

  /** A plain OkHttp client that trusts the dev CA and has no certificate of its own. */
  private OkHttpClient tlsWithoutCertificate() throws Exception {
    KeyStore anchors = KeyStore.getInstance("PKCS12");
    anchors.load(null, null);
    anchors.setCertificateEntry("ca", pki.ca().certificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(anchors);
    SSLContext tls = SSLContext.getInstance("TLSv1.3");
    tls.init(null, tmf.getTrustManagers(), null);
    return new OkHttpClient.Builder()
        .sslSocketFactory(tls.getSocketFactory(), (X509TrustManager) tmf.getTrustManagers()[0])
        .hostnameVerifier((host, session) -> true) // mesh certificates name no host
        .build();
  }

  private OkHttpClient keep(OkHttpClient c) {
    clients.add(c);
    return c;
  }

  private static Response get(OkHttpClient client, String url) throws IOException {
    return client.newCall(new Request.Builder().url(url).build()).execute();
  }

  private static int hello(OkHttpClient client) throws IOException {
    return hello(client, "http://greeter/");
  }

  private static int hello(OkHttpClient client, String url) throws IOException {
    try (Response r = get(client, url)) {
      r.body().string();
      return r.code();
    }
  }

  private long count(String caller) {
    var t = serverMesh.meterRegistry().find(InboundGuard.REQUESTS).tag("caller", caller).tag("status", "200").timer();
    return t == null ? 0 : t.count();
  }
}
