package io.meshwork.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.tls.testing.Pki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A server whose identity comes from PEM files presents new files at the next handshake. */
class PemReloadOverTlsTest {
  @TempDir Path dir;

  @Test
  void replacingTheFilesSwitchesTheCertificateOfTheNextHandshake() throws Exception {
    TestPki pki = new TestPki(dir.resolve("ca"));
    WorkloadCertificate first = pki.ca.issue(TestPki.id("greeter"), Duration.ofHours(1));
    Path[] files = Pki.writePem(dir, first, "tls");
    try (PemIdentitySource pem = PemIdentitySource.builder(files[0], files[1], files[2]).manualPolling().build();
        RotatingIdentity frontend = pki.identity("frontend");
        TlsServer server = new TlsServer(pki.tls(pem).serverContext())) {
      SSLContext client = pki.tls(frontend).clientContext("greeter");
      assertThat(TlsServer.call(client, server.address(), "1").serverLeaf()).isEqualTo(first.leaf());

      // cert-manager renews the certificate
      WorkloadCertificate second = pki.ca.issue(TestPki.id("greeter"), Duration.ofHours(1));
      Pki.writePem(dir, second, "tls");
      assertThat(TlsServer.call(client, server.address(), "2").serverLeaf())
          .as("not before the poll").isEqualTo(first.leaf());
      assertThat(pem.poll()).isTrue();
      assertThat(TlsServer.call(client, server.address(), "3").serverLeaf()).isEqualTo(second.leaf());

      // a broken write: the key of another certificate
      Files.writeString(files[1], pki.ca.issue(TestPki.id("greeter"), Duration.ofHours(1)).privateKeyPem());
      assertThat(pem.poll()).isFalse();
      assertThat(pem.lastError()).get().extracting(Throwable::getMessage).asString()
          .contains(files[1].toString(), files[0].toString(), "does not match");
      assertThat(TlsServer.call(client, server.address(), "4").serverLeaf())
          .as("the old identity stays in force").isEqualTo(second.leaf());
      assertThat(server.failures).isEmpty();
    }
  }
}
