package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import io.meshwork.core.Mesh;
import io.meshwork.core.inbound.InboundGuard;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.tls.DevCertificateAuthority;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.WorkloadCertificate;
import io.meshwork.tls.testing.Pki;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
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
 * Strict mode over real TLS on loopback with real OkHttp clients: who a mesh server refuses,
 * which server a mesh client refuses, and where the caller's identity comes from (the
 * certificate, never a header).
 */
class MutualTlsIntegrationTest {
  private static final String FRONTEND = "spiffe://example.org/service/frontend";

  @TempDir Path dir;
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final List<Backend> backends = new ArrayList<>();
  private final List<Mesh> meshes = new ArrayList<>();
  private final List<OkHttpClient> clients = new ArrayList<>();
  private Pki pki;
  private Mesh serverMesh;
  private Mesh clientMesh;
  private Backend greeter;
  private OkHttpClient client;

  @BeforeEach
  void setUp() {
    registry.setMesh(new MeshSettings(Pki.TRUST_DOMAIN, TlsMode.STRICT));
    pki = new Pki(dir.resolve("ca"));
    serverMesh = mesh("greeter");
    clientMesh = mesh("frontend");
    greeter = backend(serverMesh, pki.tls("greeter"));
    Meshes.putAllowing(registry, "greeter", List.of(greeter), "*");
    client = keep(MeshHttp.client(clientMesh, pki.tls("frontend")));
  }

  @AfterEach
  void tearDown() {
    for (OkHttpClient c : clients) {
      c.dispatcher().executorService().shutdown();
      c.connectionPool().evictAll();
    }
    backends.forEach(Backend::close);
    meshes.forEach(Mesh::close);
    registry.close();
    pki.close();
  }

  @Test
  void theApplicationWritesHttpAndTheMeshSpeaksMutualTls() throws IOException {
    try (Response r = get(client, "http://greeter/hello")) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.request().url().scheme()).as("the scheme on the wire").isEqualTo("https");
      assertThat(r.handshake()).isNotNull();
      assertThat(r.handshake().tlsVersion().javaName()).isEqualTo("TLSv1.3");
    }
    assertThat(greeter.tlsSessions).hasSize(1);
  }

  @Test
  void aStrictServerRefusesAPlaintextClient() {
    OkHttpClient plaintext = keep(new OkHttpClient());

    IOException e = catchThrowableOfType(IOException.class, () -> get(plaintext, "http://127.0.0.1:" + greeter.port() + "/").close());

    assertThat(e).as("the plaintext request failed").isNotNull();
    assertThat(greeter.hits.get()).as("handlers run").isZero();
    assertThat(requests(serverMesh)).as("requests the server saw").isZero();
  }

  @Test
  void aClientWithoutAnIdentityFailsInStrictModeWithTheReasonAndSendsNothing() {
    OkHttpClient withoutIdentity = keep(MeshHttp.client(clientMesh));

    MeshIOException e = catchThrowableOfType(MeshIOException.class, () -> get(withoutIdentity, "http://greeter/").close());

    assertThat(e.reason()).isInstanceOf(IdentityRequiredException.class);
    assertThat(e.getMessage()).isEqualTo("greeter: mesh TLS mode is strict but this client has no workload identity; pass a MeshTls");
    assertThat(e.requestSent()).isFalse();
    assertThat(requests(serverMesh)).isZero();
  }

  @Test
  void aStrictServerRefusesAClientWhoseCertificateComesFromAnotherCa() {
    DevCertificateAuthority other = DevCertificateAuthority.open(dir.resolve("other-ca"));
    MeshTls foreign = pki.foreignTls("frontend", other); // trusts greeter, but greeter cannot trust it

    IOException e = catchThrowableOfType(IOException.class, () -> get(keep(MeshHttp.client(clientMesh, foreign)), "http://greeter/").close());

    assertThat(e).as("the call failed").isNotNull();
    // The JDK's server ends a failed handshake by closing the connection, without an alert: the
    // client sees the end of the stream, a reset or a broken pipe, depending on timing. It is the
    // server that refused: the client accepted the server (its messages would name the server).
    assertThat(messages(e)).as("why the call failed").doesNotContain("is not accepted").doesNotContain("is not trusted");
    assertThat(greeter.hits.get()).as("handlers run").isZero();
    assertThat(requests(serverMesh)).as("requests the server saw").isZero();
  }

  @Test
  void aStrictServerDeniesACallerItsAccessPolicyDoesNotAllowWith403AndTheReason() throws IOException {
    Meshes.putAllowing(registry, "greeter", List.of(greeter), "checkout");

    try (Response r = get(client, "http://greeter/")) {
      assertThat(r.code()).isEqualTo(403);
      assertThat(r.body().string()).isEqualTo("greeter: caller " + FRONTEND + " is not allowed (allow: checkout)\n");
    }
    assertThat(greeter.hits.get()).as("handlers run").isZero();
    assertThat(timer(serverMesh, "frontend", "403").count()).isEqualTo(1);
  }

  @Test
  void aClientExpectingGreeterRefusesAServerPresentingAnotherIdentityBeforeSendingTheRequest() {
    Mesh billingMesh = mesh("billing");
    Backend impostor = backend(billingMesh, pki.tls("billing")); // a valid certificate, of billing
    Meshes.putAllowing(registry, "greeter", List.of(impostor), "*");

    IOException e = catchThrowableOfType(IOException.class, () -> get(client, "http://greeter/").close());

    assertThat(e).as("the call failed").isNotNull();
    assertThat(messages(e)).contains("server spiffe://example.org/service/billing is not accepted")
        .contains("expected: spiffe://example.org/service/greeter");
    assertThat(impostor.hits.get()).as("handlers run").isZero();
    assertThat(requests(billingMesh)).as("requests the impostor saw").isZero();
  }

  @Test
  void aConnectionVerifiedForOneServiceIsNeverUsedForAnotherAtTheSameAddress() throws IOException {
    // billing's registry entry names greeter's server: the pooled connection to that address
    // proved greeter's identity, not billing's.
    Meshes.putAllowing(registry, "billing", List.of(greeter), "*");
    try (Response r = get(client, "http://greeter/")) {
      assertThat(r.code()).isEqualTo(200);
    }

    IOException e = catchThrowableOfType(IOException.class, () -> get(client, "http://billing/").close());

    assertThat(messages(e)).contains("server spiffe://example.org/service/greeter is not accepted")
        .contains("expected: spiffe://example.org/service/billing");
    assertThat(greeter.hits.get()).isEqualTo(1);
  }

  @Test
  void handlersReadTheCallerIdentityFromTheMeshContext() throws IOException {
    try (Response r = get(client, "http://greeter/")) {
      assertThat(r.code()).isEqualTo(200);
    }

    assertThat(greeter.lastCaller).isEqualTo(FRONTEND);
    assertThat(timer(serverMesh, "frontend", "200").count()).as("requests tagged with the caller").isEqualTo(1);
  }

  @Test
  void aSpoofedIdentityHeaderChangesNothing() throws IOException {
    String admin = "spiffe://example.org/service/admin";
    Request spoofed = new Request.Builder().url("http://greeter/")
        .header("x-forwarded-client-cert", "By=spiffe://example.org/service/greeter;URI=" + admin)
        .header("mesh-caller-identity", admin)
        .header("x-spiffe-id", admin)
        .header("x-client-identity", admin)
        .build();

    try (Response r = client.newCall(spoofed).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
    assertThat(greeter.lastCaller).as("identity the handler sees").isEqualTo(FRONTEND);

    Meshes.putAllowing(registry, "greeter", List.of(greeter), "admin");
    try (Response r = client.newCall(spoofed).execute()) {
      assertThat(r.code()).isEqualTo(403);
      assertThat(r.body().string()).isEqualTo("greeter: caller " + FRONTEND + " is not allowed (allow: admin)\n");
    }
    assertThat(greeter.hits.get()).isEqualTo(1);
    assertThat(serverMesh.meterRegistry().find(InboundGuard.REQUESTS).tag("caller", "admin").timer()).isNull();
  }

  @Test
  void consecutiveCallsShareOneConnectionAndOneHandshake() throws IOException {
    for (int i = 0; i < 5; i++) {
      try (Response r = get(client, "http://greeter/")) {
        assertThat(r.code()).isEqualTo(200);
      }
    }
    assertThat(greeter.tlsSessions).as("TLS sessions, one per connection").hasSize(1);
    assertThat(client.connectionPool().connectionCount()).isEqualTo(1);
  }

  @Test
  void hostsOutsideTheMeshKeepTheClientsOwnTlsAndNeverSeeTheWorkloadCertificate() throws Exception {
    // An HTTPS server outside the mesh, with a certificate the application trusts on its own.
    WorkloadCertificate external = pki.ca().issue(Pki.id("external"), Duration.ofHours(1));
    AtomicReference<String> clientCertificate = new AtomicReference<>();
    HttpsServer outside = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    SSLContext outsideTls = SSLContext.getInstance("TLS");
    outsideTls.init(keyManagers(external), null, null);
    outside.setHttpsConfigurator(new HttpsConfigurator(outsideTls)); // asks for no client certificate
    outside.createContext("/", exchange -> {
      try {
        Certificate[] presented = ((HttpsExchange) exchange).getSSLSession().getPeerCertificates();
        clientCertificate.set(presented.length + " certificates");
      } catch (SSLPeerUnverifiedException none) {
        clientCertificate.set("none");
      }
      byte[] body = "outside".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    outside.start();
    try {
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      KeyStore anchors = KeyStore.getInstance("PKCS12");
      anchors.load(null, null);
      anchors.setCertificateEntry("ca", pki.ca().certificate());
      tmf.init(anchors);
      X509TrustManager own = (X509TrustManager) tmf.getTrustManagers()[0];
      SSLContext ownTls = SSLContext.getInstance("TLS");
      ownTls.init(null, new javax.net.ssl.TrustManager[] {own}, null);
      OkHttpClient both = keep(MeshHttp.configure(clientMesh, pki.tls("frontend"), new OkHttpClient.Builder()
          .sslSocketFactory(ownTls.getSocketFactory(), own)
          .hostnameVerifier((host, session) -> host.equals("127.0.0.1"))).build());

      try (Response r = get(both, "https://127.0.0.1:" + outside.getAddress().getPort() + "/")) {
        assertThat(r.body().string()).isEqualTo("outside");
      }
      try (Response r = get(both, "http://greeter/")) {
        assertThat(r.code()).isEqualTo(200);
      }
      try (Response r = get(both, "https://127.0.0.1:" + outside.getAddress().getPort() + "/")) {
        assertThat(r.body().string()).isEqualTo("outside");
      }
      assertThat(clientCertificate.get()).as("client certificate the outside server saw").isEqualTo("none");
      assertThat(greeter.lastCaller).isEqualTo(FRONTEND);
    } finally {
      outside.stop(0);
    }
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

  private OkHttpClient keep(OkHttpClient c) {
    clients.add(c);
    return c;
  }

  private static Response get(OkHttpClient client, String url) throws IOException {
    return client.newCall(new Request.Builder().url(url).build()).execute();
  }

  /** The messages of {@code e} and its causes, one per line. */
  static String messages(Throwable e) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      b.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage()).append('\n');
    }
    return b.toString();
  }

  private static javax.net.ssl.KeyManager[] keyManagers(WorkloadCertificate cert) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("workload", cert.privateKey(), new char[0], cert.chain().toArray(new Certificate[0]));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, new char[0]);
    return kmf.getKeyManagers();
  }

  static long requests(Mesh mesh) {
    return mesh.meterRegistry().find(InboundGuard.REQUESTS).timers().stream().mapToLong(Timer::count).sum();
  }

  /** The request timer of {@code caller} and {@code status}, once the server has recorded it (after answering). */
  static Timer timer(Mesh mesh, String caller, String status) {
    await().atMost(Duration.ofSeconds(5)).until(() ->
        mesh.meterRegistry().find(InboundGuard.REQUESTS).tag("caller", caller).tag("status", status).timer() != null);
    return mesh.meterRegistry().get(InboundGuard.REQUESTS).tag("caller", caller).tag("status", status).timer();
  }

}
