package io.meshwork.spring.boot.it.mtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Mesh;
import io.meshwork.spring.boot.BundlePems;
import io.meshwork.tls.DevCertificateAuthority;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.SpiffeId;
import io.meshwork.tls.WorkloadCertificate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The greeter's mesh identity from the application's own SSL bundle {@code web} (PEM files, as
 * cert-manager writes them), served by Tomcat through {@code server.ssl.bundle=meshwork}. When the
 * files are rewritten with a new certificate, Boot reloads {@code web}, the mesh identity follows,
 * and new connections see the new certificate, with no restart.
 */
@SpringBootTest(classes = MtlsApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"spring.application.name=greeter", "spring.main.banner-mode=off",
        "meshwork.tls.mode=ssl-bundle", "meshwork.tls.bundle=web", "server.ssl.bundle=meshwork",
        "server.address=127.0.0.1", "meshwork.registry.poll-interval=50ms",
        "spring.ssl.bundle.watch.file.quiet-period=100ms"})
class MeshSslBundleIdentityTomcatTest {
  static final MtlsServerTestSupport support = new MtlsServerTestSupport("meshwork-bundle-identity");
  static final DevCertificateAuthority ca = DevCertificateAuthority.open(
      DevCertificateAuthority.folderBeside(support.registryFile));
  static final BundlePems pems;

  static {
    try {
      pems = new BundlePems(Files.createDirectories(support.dir.resolve("web"))).write(issue());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry properties) {
    properties.add("meshwork.registry.file", support.registryFile::toString);
    for (String p : pems.properties("web")) {
      int eq = p.indexOf('=');
      properties.add(p.substring(0, eq), () -> p.substring(eq + 1));
    }
  }

  @Value("${local.server.port}") int port;
  @Autowired Mesh mesh;

  @AfterAll
  static void cleanUp() throws IOException {
    support.close();
  }

  static WorkloadCertificate issue() {
    return ca.issue(SpiffeId.forService(MtlsServerTestSupport.TRUST_DOMAIN, "greeter"), Duration.ofHours(1));
  }

  @Test
  void rewrittenBundleFilesBecomeTheMeshIdentityAndTheServersCertificate() throws Exception {
    rewriteAndFollow(support, pems, mesh, port, MeshSslBundleIdentityTomcatTest::issue);
  }

  /**
   * Rewrites the bundle's files with a new certificate and checks that the mesh identity and a
   * new connection's certificate follow, and that a mesh call still succeeds.
   */
  static void rewriteAndFollow(MtlsServerTestSupport support, BundlePems pems, Mesh mesh, int port,
      java.util.function.Supplier<WorkloadCertificate> issue) throws Exception {
    MeshTls tls = MeshTls.of(mesh).orElseThrow();
    BigInteger before = tls.identity().current().leaf().getSerialNumber();
    assertThat(support.serverCertificateSerial(port)).isEqualTo(before);
    assertThat(support.callGreeterThroughTheMesh()).contains("caller=spiffe://boot.test/service/frontend;");

    WorkloadCertificate next = issue.get();
    pems.write(next);
    BigInteger after = next.leaf().getSerialNumber();

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(tls.identity().current().leaf().getSerialNumber()).isEqualTo(after));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(support.serverCertificateSerial(port)).isEqualTo(after));
    assertThat(support.callGreeterThroughTheMesh()).contains("caller=spiffe://boot.test/service/frontend;");
  }
}
