package io.meshwork.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mutual TLS over loopback between mesh contexts, and what a strict server refuses. */
class MutualTlsTest {
  @TempDir Path dir;
  TestPki pki;
  RotatingIdentity greeter;
  RotatingIdentity frontend;
  TlsServer server;

  @BeforeEach
  void setUp() throws IOException {
    pki = new TestPki(dir.resolve("ca"));
    greeter = pki.identity("greeter");
    frontend = pki.identity("frontend");
    server = new TlsServer(pki.tls(greeter).serverContext());
  }

  @AfterEach
  void tearDown() throws Exception {
    server.close();
  }

  @Test
  void bothSidesLearnTheOthersVerifiedIdentityOverTls13() throws IOException {
    TlsServer.Exchange ex = TlsServer.call(pki.tls(frontend).clientContext("greeter"), server.address(), "hello");

    assertThat(ex.protocol()).isEqualTo("TLSv1.3");
    assertThat(ex.serverIdentity()).isEqualTo(TestPki.id("greeter"));
    assertThat(ex.answer()).isEqualTo("spiffe://example.org/service/frontend hello");
    assertThat(ex.serverLeaf()).isEqualTo(greeter.current().leaf());
    assertThat(ex.clientLeaf()).isEqualTo(frontend.current().leaf());
    assertThat(server.failures).isEmpty();
  }

  @Test
  void aStrictServerRefusesAPlaintextClient() throws Exception {
    try (Socket plain = new Socket(server.address().getAddress(), server.port())) {
      plain.setSoTimeout(10_000);
      plain.getOutputStream().write("GET / HTTP/1.1\r\nHost: greeter\r\n\r\nhello\n".getBytes(StandardCharsets.US_ASCII));
      plain.getOutputStream().flush();
      byte[] answer = readAll(plain.getInputStream());
      assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotContain("hello");
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> !server.failures.isEmpty());
    assertThat(server.failures.get(0)).isInstanceOf(javax.net.ssl.SSLException.class);
    assertThat(server.linesReceived).isEmpty();
  }

  @Test
  void aStrictServerRefusesAClientWithoutCertificate() throws Exception {
    SSLContext anonymous = SSLContext.getInstance("TLSv1.3");
    anonymous.init(null, trusting(pki.ca), null);
    try (SSLSocket s = (SSLSocket) anonymous.getSocketFactory().createSocket(server.address().getAddress(), server.port())) {
      SSLParameters p = s.getSSLParameters();
      p.setEndpointIdentificationAlgorithm(null);
      s.setSSLParameters(p);
      s.setSoTimeout(10_000);
      assertThatThrownBy(() -> {
        s.startHandshake();
        s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        if (s.getInputStream().read() < 0) throw new IOException("closed");
      }).isInstanceOf(IOException.class);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> !server.failures.isEmpty());
    assertThat(server.failures.get(0)).isInstanceOf(SSLHandshakeException.class)
        .hasMessageContaining("Empty client certificate chain");
    assertThat(server.linesReceived).isEmpty();
  }

  @Test
  void aStrictServerRefusesAClientCertificateFromAnotherCa() throws Exception {
    TestPki stranger = new TestPki(dir.resolve("other-ca"), pki.clock);
    try (RotatingIdentity impostor = stranger.identity("frontend")) {
      // The impostor trusts our CA, so only the server's check can stop it.
      WorkloadCertificate forged = WorkloadCertificate.of(impostor.current().privateKey(), impostor.current().chain(),
          pki.ca.trustBundle());
      IdentitySource source = new FixedIdentity(forged);
      SSLContext client = pki.tls(source).clientContext("greeter");

      assertThatThrownBy(() -> TlsServer.call(client, server.address(), "hello")).isInstanceOf(IOException.class);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> !server.failures.isEmpty());
    assertThat(server.failures.get(0)).isInstanceOf(SSLHandshakeException.class)
        .hasMessageContaining("client spiffe://example.org/service/frontend is not trusted: "
            + "its chain does not lead to a CA of the trust bundle");
    assertThat(server.linesReceived).isEmpty();
  }

  @Test
  void aClientExpectingOneIdentityRefusesAServerPresentingAnotherBeforeSendingAnything() throws Exception {
    SSLContext toBilling = pki.tls(frontend).clientContext("billing");

    assertThatThrownBy(() -> TlsServer.call(toBilling, server.address(), "secret"))
        .isInstanceOf(SSLHandshakeException.class)
        .hasMessageContaining("server spiffe://example.org/service/greeter is not accepted "
            + "(expected: spiffe://example.org/service/billing)");

    await().atMost(Duration.ofSeconds(10)).until(() -> !server.failures.isEmpty());
    assertThat(server.linesReceived).isEmpty();
  }

  @Test
  void aServerCanLimitWhichIdentitiesMayEvenConnect() throws Exception {
    MeshTls tls = pki.tls(greeter);
    try (TlsServer picky = new TlsServer(tls.serverContext(MeshTls.ClientAuth.REQUIRED,
        PeerIdentityPolicy.anyOf(Set.of(TestPki.id("checkout")))))) {
      assertThatThrownBy(() -> TlsServer.call(pki.tls(frontend).clientContext("greeter"), picky.address(), "hi"))
          .isInstanceOf(IOException.class);
      await().atMost(Duration.ofSeconds(10)).until(() -> !picky.failures.isEmpty());
      assertThat(picky.failures.get(0)).hasMessageContaining("client spiffe://example.org/service/frontend is not "
          + "accepted (expected: spiffe://example.org/service/checkout)");
    }
  }

  @Test
  void anExpiredPeerCertificateIsRefused() throws Exception {
    try (RotatingIdentity shortLived = pki.identity("frontend", Duration.ofSeconds(5))) {
      SSLContext client = pki.tls(shortLived).clientContext("greeter");
      pki.clock.advance(Duration.ofSeconds(6)); // nobody renewed it

      assertThatThrownBy(() -> TlsServer.call(client, server.address(), "hi")).isInstanceOf(IOException.class);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> !server.failures.isEmpty());
    assertThat(server.failures.get(0)).hasMessageContaining("client spiffe://example.org/service/frontend is not "
        + "trusted: a certificate of its chain has expired");
  }

  @Test
  void aClientLimitedToTls12IsRefused() throws Exception {
    SSLContext tls12 = SSLContext.getInstance("TLSv1.2");
    tls12.init(new javax.net.ssl.KeyManager[] {pki.tls(frontend).keyManager()}, trusting(pki.ca), null);
    try (SSLSocket s = (SSLSocket) tls12.getSocketFactory().createSocket(server.address().getAddress(), server.port())) {
      s.setEnabledProtocols(new String[] {"TLSv1.2"});
      s.setSoTimeout(10_000);
      assertThatThrownBy(s::startHandshake).isInstanceOf(SSLHandshakeException.class);
    }
    assertThat(server.linesReceived).isEmpty();
  }

  @Test
  void withOptionalClientCertificatesAnAnonymousClientHasNoIdentity() throws Exception {
    SSLContext anonymous = SSLContext.getInstance("TLSv1.3");
    anonymous.init(null, trusting(pki.ca), null);
    try (TlsServer permissive = new TlsServer(pki.tls(greeter).serverContext(MeshTls.ClientAuth.OPTIONAL,
        PeerIdentityPolicy.trustDomain(TestPki.TRUST_DOMAIN)))) {
      assertThat(TlsServer.call(anonymous, permissive.address(), "hi").answer()).isEqualTo("anonymous hi");
      assertThat(TlsServer.call(pki.tls(frontend).clientContext("greeter"), permissive.address(), "hi").answer())
          .isEqualTo("spiffe://example.org/service/frontend hi");
    }
  }

  @Test
  void contextsSpeakOnlyTls13AndServersAskForClientCertificates() throws Exception {
    MeshTls tls = pki.tls(greeter);
    SSLContext server = tls.serverContext();
    SSLContext client = tls.clientContext("frontend");

    assertThat(server.getProtocol()).isEqualTo("TLSv1.3");
    assertThat(server.getDefaultSSLParameters().getProtocols()).containsExactly("TLSv1.3");
    assertThat(server.getDefaultSSLParameters().getNeedClientAuth()).isTrue();
    assertThat(server.getSupportedSSLParameters().getProtocols()).containsExactly("TLSv1.3");
    assertThat(server.createSSLEngine().getEnabledProtocols()).containsExactly("TLSv1.3");
    assertThat(server.createSSLEngine().getNeedClientAuth()).isTrue();
    assertThat(client.createSSLEngine("greeter", 443).getEnabledProtocols()).containsExactly("TLSv1.3");
    assertThat(client.getDefaultSSLParameters().getEndpointIdentificationAlgorithm()).isNull();
    try (var s = (javax.net.ssl.SSLServerSocket) server.getServerSocketFactory().createServerSocket(0)) {
      assertThat(s.getEnabledProtocols()).containsExactly("TLSv1.3");
      assertThat(s.getNeedClientAuth()).isTrue();
    }
    try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket()) {
      assertThat(s.getEnabledProtocols()).containsExactly("TLSv1.3");
    }
    assertThatThrownBy(() -> server.init(null, null, null))
        .isInstanceOf(java.security.KeyManagementException.class)
        .hasMessageContaining("initialized by MeshTls");
  }

  @Test
  void thePeerIdentityOfASessionIsComputedOnceAndEmptyWithoutSession() throws Exception {
    SSLContext client = pki.tls(frontend).clientContext("greeter");
    try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(server.address().getAddress(), server.port())) {
      s.startHandshake();
      assertThat(MeshTls.peerIdentity(s.getSession())).contains(TestPki.id("greeter"));
      assertThat(s.getSession().getValue("io.meshwork.tls.peer-identity")).isEqualTo(TestPki.id("greeter"));
      assertThat(MeshTls.peerIdentity(s.getSession())).contains(TestPki.id("greeter"));
    }
    assertThat(MeshTls.peerIdentity(null)).isEmpty();
  }

  @Test
  void oneClientContextForManyDestinationsCanExpectTheIdentityRegisteredAtTheAddress() throws Exception {
    // What an HTTP client with one socket factory for every destination does: it connects to an
    // endpoint's host and port, and the policy expects the identity of the service registered there.
    java.util.Map<String, SpiffeId> registered = new java.util.concurrent.ConcurrentHashMap<>();
    java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    PeerIdentityPolicy byAddress = (peer, handshake) -> {
      String address = handshake.getPeerHost() + ":" + handshake.getPeerPort();
      seen.add(address);
      return peer.equals(registered.get(address));
    };
    SSLContext client = pki.tls(frontend).clientContext(byAddress);
    String address = "127.0.0.1:" + server.port();

    registered.put(address, TestPki.id("greeter"));
    try (SSLSocket s = okHttpStyleSocket(client)) {
      s.startHandshake();
      assertThat(MeshTls.peerIdentity(s.getSession())).contains(TestPki.id("greeter"));
    }
    registered.put(address, TestPki.id("billing"));
    try (SSLSocket s = okHttpStyleSocket(client)) {
      assertThatThrownBy(s::startHandshake).isInstanceOf(SSLHandshakeException.class)
          .hasMessageContaining("server spiffe://example.org/service/greeter is not accepted");
    }
    assertThat(seen).containsOnly(address);
  }

  @Test
  void theIdentityOfACertificateVerifiedElsewhereCanBeRead() {
    assertThat(MeshTls.identityOf(greeter.current().leaf())).contains(TestPki.id("greeter"));
    assertThat(MeshTls.identityOf(pki.ca.certificate())).isEmpty();
    assertThat(MeshTls.identityOf(null)).isEmpty();
  }

  /** Layered over a connected plain socket with the URL's host, as OkHttp does. */
  private SSLSocket okHttpStyleSocket(SSLContext client) throws IOException {
    Socket raw = new Socket(server.address().getAddress(), server.port());
    SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(raw, "127.0.0.1", server.port(), true);
    s.setSoTimeout(10_000);
    return s;
  }

  static javax.net.ssl.TrustManager[] trusting(DevCertificateAuthority ca) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setCertificateEntry("ca", ca.certificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(ks);
    return tmf.getTrustManagers();
  }

  private static byte[] readAll(InputStream in) throws IOException {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      return new byte[0]; // reset by the server: also a refusal
    }
  }

  /** An identity that never changes. */
  static final class FixedIdentity implements IdentitySource {
    private final WorkloadCertificate certificate;

    FixedIdentity(WorkloadCertificate certificate) {
      this.certificate = certificate;
    }

    @Override
    public WorkloadCertificate current() {
      return certificate;
    }

    @Override
    public void addListener(IdentityListener listener) {}

    @Override
    public void removeListener(IdentityListener listener) {}

    @Override
    public void close() {}
  }
}
