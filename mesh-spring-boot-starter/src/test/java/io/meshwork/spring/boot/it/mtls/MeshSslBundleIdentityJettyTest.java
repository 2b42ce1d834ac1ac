package io.meshwork.spring.boot.it.mtls;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.Mesh;
import io.meshwork.spring.boot.BundlePems;
import io.meshwork.tls.DevCertificateAuthority;
import io.meshwork.tls.SpiffeId;
import io.meshwork.tls.WorkloadCertificate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
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
 * {@link MeshSslBundleIdentityTomcatTest} on Jetty: the greeter's mesh identity from the
 * application's own SSL bundle {@code web}, served by Jetty through {@code
 * server.ssl.bundle=meshwork}. When the files are rewritten with a new certificate, Boot reloads
 * {@code web}, the mesh identity follows, and new connections see the new certificate, with no
 * restart.
 */
@SpringBootTest(classes = MtlsApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"spring.application.name=greeter", "spring.main.banner-mode=off",
        "meshwork.tls.mode=ssl-bundle", "meshwork.tls.bundle=web", "server.ssl.bundle=meshwork",
        "server.address=127.0.0.1", "meshwork.registry.poll-interval=50ms",
        "spring.ssl.bundle.watch.file.quiet-period=100ms",
        "spring.autoconfigure.exclude=org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration"})
class MeshSslBundleIdentityJettyTest {
  static final MtlsServerTestSupport support = new MtlsServerTestSupport("meshwork-bundle-identity-jetty");
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
  @Autowired WebServerApplicationContext context;

  @AfterAll
  static void cleanUp() throws IOException {
    support.close();
  }

  static WorkloadCertificate issue() {
    return ca.issue(SpiffeId.forService(MtlsServerTestSupport.TRUST_DOMAIN, "greeter"), Duration.ofHours(1));
  }

  @Test
  void rewrittenBundleFilesBecomeTheMeshIdentityAndTheServersCertificate() throws Exception {
    assertThat(context.getWebServer()).isInstanceOf(JettyWebServer.class);
    MeshSslBundleIdentityTomcatTest.rewriteAndFollow(support, pems, mesh, port, MeshSslBundleIdentityJettyTest::issue);
  }
}
