package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Mesh;
import io.meshwork.core.inbound.InboundGuard;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.tls.testing.Pki;
import io.micrometer.core.instrument.Timer;
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
 * The inbound guard's refusals on a real {@link MeshHttpServer}: each kind answered with its HTTP
 * status and the guard's message, before the handler runs, and recorded on {@code
 * mesh.server.requests} as refused, with the kind as {@code error.type}.
 */
class InboundRefusalIntegrationTest {
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
  void strictModeRefusesATlsRequestWithoutAClientCertificateWith503AndRecordsIdentityRequired() throws Exception {
    OkHttpClient anonymous = keep(tlsWithoutCertificate());
    String url = "https://127.0.0.1:" + greeter.port() + "/";
    try (Response r = get(anonymous, url, null)) {
      assertThat(r.code()).as("permissive: anonymous TLS is served").isEqualTo(200);
    }

    registry.setMesh(new MeshSettings(Pki.TRUST_DOMAIN, TlsMode.STRICT));
    try (Response r = get(anonymous, url, null)) {
      assertThat(r.code()).isEqualTo(503);
      assertThat(r.header("Connection")).isEqualTo("close");
      assertThat(r.body().string()).startsWith("greeter: this service requires mutual TLS (mesh TLS mode is strict):"
          + " every call needs a verified client identity, but this call came over TLS without a client certificate");
    }
    assertThat(greeter.hits.get()).as("the handler ran only in permissive mode").isEqualTo(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> count("unknown", "refused", "503", "identity-required") == 1);
  }

  @Test
  void aCallerThePolicyDoesNotListGets403AndIsRecordedAsRefusedNotAsASuccess() throws IOException {
    Meshes.putAllowing(registry, "greeter", List.of(greeter), "checkout");
    OkHttpClient frontend = keep(MeshHttp.client(clientMesh, pki.tls("frontend")));

    try (Response r = get(frontend, "http://greeter/", null)) {
      assertThat(r.code()).isEqualTo(403);
      assertThat(r.body().string()).isEqualTo("greeter: caller " + FRONTEND + " is not allowed (allow: checkout)\n");
    }
    assertThat(greeter.hits.get()).isZero();
    await().atMost(Duration.ofSeconds(5)).until(() -> count("frontend", "refused", "403", "access-denied") == 1);
    assertThat(serverMesh.meterRegistry().find(InboundGuard.REQUESTS).tag("outcome", "success").timers()).isEmpty();
  }

  @Test
  void aRequestWhoseDeadlinePassedGets504AndIsRecordedAsDeadlineExceeded() throws IOException {
    OkHttpClient plain = keep(new OkHttpClient());
    try (Response r = get(plain, "http://127.0.0.1:" + greeter.port() + "/", "0")) {
      assertThat(r.code()).isEqualTo(504);
      assertThat(r.body().string()).isEqualTo(
          "greeter: deadline exceeded before the request was handled (the caller's mesh-timeout-ms was 0 ms)\n");
    }
    assertThat(greeter.hits.get()).isZero();
    await().atMost(Duration.ofSeconds(5)).until(() -> count("unknown", "refused", "504", "deadline-exceeded") == 1);
  }

  private long count(String caller, String outcome, String status, String errorType) {
    Timer t = serverMesh.meterRegistry().find(InboundGuard.REQUESTS).tags("caller", caller, "outcome", outcome,
        "status", status, "error.type", errorType).timer();
    return t == null ? 0 : t.count();
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

  private static Response get(OkHttpClient client, String url, String timeoutMillis) throws IOException {
    Request.Builder b = new Request.Builder().url(url);
    if (timeoutMillis != null) b.header("mesh-timeout-ms", timeoutMillis);
    return client.newCall(b.build()).execute();
  }
}
