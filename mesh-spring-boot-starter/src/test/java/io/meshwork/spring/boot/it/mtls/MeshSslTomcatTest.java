package io.meshwork.spring.boot.it.mtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Mesh;
import io.meshwork.core.model.TlsMode;
import io.meshwork.tls.MeshTls;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Spring MVC on Tomcat serving mutual TLS from the mesh identity ({@code server.ssl.bundle=meshwork})
 * with the registry in strict mode: a mesh client gets through with its identity, a TLS client
 * without a certificate does not, and a rotation reaches new connections with no restart.
 */
@SpringBootTest(classes = MtlsApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"spring.application.name=greeter", "spring.main.banner-mode=off",
        "meshwork.tls.mode=development-ca", "server.ssl.bundle=meshwork", "server.address=127.0.0.1",
        "meshwork.registry.poll-interval=50ms"})
class MeshSslTomcatTest {
  static final MtlsServerTestSupport support = new MtlsServerTestSupport("meshwork-tomcat-mtls");

  @DynamicPropertySource
  static void registry(DynamicPropertyRegistry properties) {
    properties.add("meshwork.registry.file", support.registryFile::toString);
  }

  @Value("${local.server.port}") int port;
  @Autowired Mesh mesh;
  @Autowired SslBundles bundles;
  @Autowired WebServerApplicationContext context;

  @AfterAll
  static void cleanUp() throws IOException {
    support.close();
  }

  @Test
  void aMeshClientGetsThroughAndTheControllerSeesItsIdentity() {
    assertThat(context.getWebServer()).isInstanceOf(TomcatWebServer.class);
    assertThat(mesh.settings().tls()).isEqualTo(TlsMode.STRICT);
    assertThat(bundles.getBundleNames()).contains("meshwork");

    String answer = support.callGreeterThroughTheMesh();

    assertThat(answer).contains("caller=spiffe://boot.test/service/frontend;", "certificates=1;", "Tomcat");
  }

  @Test
  void aTlsClientWithoutACertificateIsRefused() throws Exception {
    // Strict: Tomcat requires a client certificate (client-auth need), so the handshake fails.
    assertThat(MtlsServerTestSupport.plainTlsClient(port)).startsWith("refused: ");
  }

  @Test
  void aRotatedCertificateReachesNewConnectionsWithoutARestart() throws Exception {
    MeshTls tls = MeshTls.of(mesh).orElseThrow();
    BigInteger before = tls.identity().current().leaf().getSerialNumber();
    assertThat(support.serverCertificateSerial(port)).isEqualTo(before);

    assertThat(tls.identity().rotateNow()).isTrue();
    BigInteger after = tls.identity().current().leaf().getSerialNumber();
    assertThat(after).isNotEqualTo(before);

    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(support.serverCertificateSerial(port)).isEqualTo(after));
    assertThat(support.callGreeterThroughTheMesh()).contains("caller=spiffe://boot.test/service/frontend;");
  }

  @Test
  void rotationsUnderLoadFailNoRequest() throws Exception {
    MeshTls tls = MeshTls.of(mesh).orElseThrow();
    BigInteger[] last = new BigInteger[1];

    MtlsServerTestSupport.LoadReport report = support.underLoad(4, () -> last[0] = support.rotate(tls, port, 3));

    System.out.println("Tomcat rotation under load: " + report);
    assertThat(report.failures()).isEmpty();
    assertThat(report.failedAttempts()).as("attempts the mesh retried or gave up").isZero();
    assertThat(report.successfulAttempts()).as("attempts counted").isGreaterThanOrEqualTo(report.ok());
    assertThat(report.ok()).isGreaterThanOrEqualTo(60);
    assertThat(support.serverCertificateSerial(port)).isEqualTo(last[0]);
  }
}
