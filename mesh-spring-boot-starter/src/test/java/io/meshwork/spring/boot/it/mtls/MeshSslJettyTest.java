package io.meshwork.spring.boot.it.mtls;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.Mesh;
import io.meshwork.tls.MeshTls;
import java.io.IOException;
import java.math.BigInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.jetty.JettyWebServer;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The same application as {@link MeshSslTomcatTest} on Jetty: Tomcat's auto-configuration is
 * excluded instead of Jetty's (see the test resources' application.properties). Jetty serves the
 * mesh's own TLS context, so a rotation reaches the very next handshake.
 */
@SpringBootTest(classes = MtlsApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"spring.application.name=greeter", "spring.main.banner-mode=off",
        "meshwork.tls.mode=development-ca", "server.ssl.bundle=meshwork", "server.address=127.0.0.1",
        "meshwork.registry.poll-interval=50ms",
        "spring.autoconfigure.exclude=org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration"})
class MeshSslJettyTest {
  static final MtlsServerTestSupport support = new MtlsServerTestSupport("meshwork-jetty-mtls");

  @DynamicPropertySource
  static void registry(DynamicPropertyRegistry properties) {
    properties.add("meshwork.registry.file", support.registryFile::toString);
  }

  @Value("${local.server.port}") int port;
  @Autowired WebServerApplicationContext context;
  @Autowired Mesh mesh;

  @AfterAll
  static void cleanUp() throws IOException {
    support.close();
  }

  @Test
  void aMeshClientGetsThroughAndTheControllerSeesItsIdentity() {
    assertThat(context.getWebServer()).isInstanceOf(JettyWebServer.class);

    String answer = support.callGreeterThroughTheMesh();

    assertThat(answer).contains("caller=spiffe://boot.test/service/frontend;", "certificates=1;", "jetty");
  }

  @Test
  void aTlsClientWithoutACertificateIsRefused() throws Exception {
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

    // The mesh's key manager presents the current certificate at the next handshake.
    assertThat(support.serverCertificateSerial(port)).isEqualTo(after);
    assertThat(support.callGreeterThroughTheMesh()).contains("caller=spiffe://boot.test/service/frontend;");
  }

  @Test
  void rotationsUnderLoadFailNoRequest() throws Exception {
    MeshTls tls = MeshTls.of(mesh).orElseThrow();
    BigInteger[] last = new BigInteger[1];

    MtlsServerTestSupport.LoadReport report = support.underLoad(4, () -> last[0] = support.rotate(tls, port, 3));

    System.out.println("Jetty rotation under load: " + report);
    assertThat(report.failures()).isEmpty();
    assertThat(report.failedAttempts()).as("attempts the mesh retried or gave up").isZero();
    assertThat(report.successfulAttempts()).as("attempts counted").isGreaterThanOrEqualTo(report.ok());
    assertThat(report.ok()).isGreaterThanOrEqualTo(60);
    assertThat(support.serverCertificateSerial(port)).isEqualTo(last[0]);
  }
}
