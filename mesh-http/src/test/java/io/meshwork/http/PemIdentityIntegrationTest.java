package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.Mesh;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.PemIdentitySource;
import io.meshwork.tls.WorkloadCertificate;
import io.meshwork.tls.testing.Pki;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mesh HTTP server whose identity comes from PEM files (as cert-manager writes them) presents
 * the new files at the next handshake once it has read them, without a restart; a broken write
 * leaves the last good certificate in force.
 */
class PemIdentityIntegrationTest {
  @TempDir Path dir;

  @Test
  void replacingTheFilesSwitchesTheCertificateOfNewHandshakes() throws Exception {
    InMemoryRegistry registry = InMemoryRegistry.create();
    registry.setMesh(new MeshSettings(Pki.TRUST_DOMAIN, TlsMode.STRICT));
    try (Pki pki = new Pki(dir.resolve("ca"))) {
      WorkloadCertificate first = pki.ca().issue(Pki.id("greeter"), Duration.ofHours(1));
      Path[] files = Pki.writePem(dir, first, "tls");
      try (PemIdentitySource pem = PemIdentitySource.builder(files[0], files[1], files[2]).manualPolling().build();
          Mesh serverMesh = Meshes.of("greeter", registry);
          Mesh clientMesh = Meshes.of("frontend", registry);
          Backend greeter = Backend.start(serverMesh, MeshTls.create(pem))) {
        Meshes.putAllowing(registry, "greeter", List.of(greeter), "frontend");
        OkHttpClient client = MeshHttp.client(clientMesh, pki.tls("frontend"));
        try {
          assertThat(serverCertificate(client)).isEqualTo(serial(first));

          // cert-manager renews the certificate
          WorkloadCertificate second = pki.ca().issue(Pki.id("greeter"), Duration.ofHours(1));
          Pki.writePem(dir, second, "tls");
          client.connectionPool().evictAll();
          assertThat(serverCertificate(client)).as("not before the poll").isEqualTo(serial(first));
          assertThat(pem.poll()).isTrue();
          assertThat(serverCertificate(client)).as("a connection opened before the change keeps its certificate")
              .isEqualTo(serial(first));
          client.connectionPool().evictAll();
          assertThat(serverCertificate(client)).as("a new handshake").isEqualTo(serial(second));

          // a broken write: the key of another certificate
          Files.writeString(files[1], pki.ca().issue(Pki.id("greeter"), Duration.ofHours(1)).privateKeyPem());
          assertThat(pem.poll()).isFalse();
          client.connectionPool().evictAll();
          assertThat(serverCertificate(client)).as("the last good identity stays in force").isEqualTo(serial(second));
          assertThat(greeter.hits.get()).isEqualTo(5);
        } finally {
          client.dispatcher().executorService().shutdown();
          client.connectionPool().evictAll();
        }
      }
    } finally {
      registry.close();
    }
  }

  private static BigInteger serial(WorkloadCertificate c) {
    return c.leaf().getSerialNumber();
  }

  /** Calls greeter and returns the serial of the certificate its server presented on the connection used. */
  private static BigInteger serverCertificate(OkHttpClient client) throws IOException {
    try (Response r = client.newCall(new Request.Builder().url("http://greeter/").build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
      return ((X509Certificate) r.handshake().peerCertificates().get(0)).getSerialNumber();
    }
  }
}
