package io.meshwork.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshwork.tls.internal.Pem;
import io.meshwork.tls.internal.X509;
import io.meshwork.tls.testing.Pki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemIdentitySourceTest {
  @TempDir Path dir;
  TestPki pki;
  Path chain;
  Path key;
  Path bundle;

  @BeforeEach
  void setUp() throws Exception {
    pki = new TestPki(dir.resolve("ca"));
    Path[] files = Pki.writePem(dir, pki.ca.issue(TestPki.id("greeter"), Duration.ofHours(1)), "tls");
    chain = files[0];
    key = files[1];
    bundle = files[2];
  }

  private PemIdentitySource source() {
    return PemIdentitySource.builder(chain, key, bundle).manualPolling().build();
  }

  @Test
  void theFilesMakeTheIdentity() {
    try (PemIdentitySource s = source()) {
      assertThat(s.current().spiffeId()).isEqualTo(TestPki.id("greeter"));
      assertThat(s.current().trustBundle()).containsExactly(pki.ca.certificate());
      assertThat(s.lastError()).isEmpty();
    }
  }

  @Test
  void aMissingFileIsNamed() throws Exception {
    Files.delete(key);
    assertThatThrownBy(this::source)
        .isInstanceOf(IdentityException.class)
        .hasMessage("private key file " + key + ": not found");
  }

  @Test
  void aFolderInsteadOfAFileIsNamed() throws Exception {
    Files.delete(bundle);
    Files.createDirectory(bundle);
    assertThatThrownBy(this::source).hasMessage("trust bundle file " + bundle + ": is a folder (expected: a PEM file)");
  }

  @Test
  void aFileThatIsNotPemIsNamed() throws Exception {
    Files.write(chain, new byte[] {0x30, (byte) 0x82, 0x01, 0x0a, 0x02});
    assertThatThrownBy(this::source)
        .hasMessage("certificate chain " + chain + ": no PEM certificate found "
            + "(expected: -----BEGIN CERTIFICATE----- blocks)");
    Files.writeString(chain, "hello\n");
    assertThatThrownBy(this::source).hasMessageStartingWith("certificate chain " + chain + ": no PEM certificate");
  }

  @Test
  void aKeyFileWithACertificateInsteadIsNamed() throws Exception {
    Files.copy(chain, key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(this::source)
        .hasMessage("private key " + key + ": holds a certificate (expected: one PRIVATE KEY block)");
  }

  @Test
  void aKeyThatDoesNotMatchTheCertificateIsRefusedNamingBothFiles() throws Exception {
    WorkloadCertificate other = pki.ca.issue(TestPki.id("other"), Duration.ofHours(1));
    Files.writeString(key, other.privateKeyPem());

    assertThatThrownBy(this::source)
        .isInstanceOf(IdentityException.class)
        .hasMessage("private key " + key + " does not match the certificate in " + chain
            + " (spiffe://example.org/service/greeter): the public keys differ");
  }

  @Test
  void aCertificateWithoutSpiffeIdIsRefused() throws Exception {
    Files.writeString(chain, Pem.encodeCertificates(List.of(pki.ca.certificate())));
    assertThatThrownBy(this::source)
        .hasMessageStartingWith("certificate chain " + chain + ": certificate ")
        .hasMessageContaining("has no URI SAN");
  }

  @Test
  void anEncryptedKeyIsRefused() throws Exception {
    Files.writeString(key, "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
        + "MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAi5AAAAAAAAAAICCAAw\n"
        + "DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEAAAAAAAAAAAAAAAAAAAAAAEQAAA\n"
        + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
        + "AAAAAAAAAAAAAAAAAAAAAAA=\n"
        + "-----END ENCRYPTED PRIVATE KEY-----\n");
    assertThatThrownBy(this::source).hasMessageStartingWith("private key " + key + ": ");
  }

  @Test
  void traditionalEcAndRsaKeyFormatsAreAccepted() throws Exception {
    // EC key as "EC PRIVATE KEY" (SEC 1), the form cert-manager writes for ECDSA by default
    WorkloadCertificate ec = pki.ca.issue(TestPki.id("ec"), Duration.ofHours(1));
    PrivateKeyInfo info = PrivateKeyInfo.getInstance(ec.privateKey().getEncoded());
    Files.writeString(chain, ec.chainPem());
    org.bouncycastle.asn1.sec.ECPrivateKey inner = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
    org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, inner.getKey(),
        info.getPrivateKeyAlgorithm().getParameters()); // as openssl writes it: the curve inside
    Files.writeString(key, pem("EC PRIVATE KEY", sec1.getEncoded()));
    try (PemIdentitySource s = source()) {
      assertThat(s.current().spiffeId()).isEqualTo(TestPki.id("ec"));
    }

    // RSA key as "RSA PRIVATE KEY" (PKCS#1), cert-manager's default for RSA
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair rsa = g.generateKeyPair();
    PrivateKey caKey = Pem.privateKey(Files.readAllBytes(pki.ca.folder().resolve("ca-key.pem")), "ca key");
    X509Certificate rsaLeaf = X509.svid(TestPki.id("rsa"), rsa.getPublic(), pki.ca.certificate(), caKey,
        pki.clock.instant(), pki.clock.instant().plusSeconds(3600), new SecureRandom());
    Files.writeString(chain, Pem.encodeCertificates(List.of(rsaLeaf)));
    PrivateKeyInfo rsaInfo = PrivateKeyInfo.getInstance(rsa.getPrivate().getEncoded());
    Files.writeString(key, pem("RSA PRIVATE KEY", rsaInfo.parsePrivateKey().toASN1Primitive().getEncoded()));
    try (PemIdentitySource s = source()) {
      assertThat(s.current().spiffeId()).isEqualTo(TestPki.id("rsa"));
      assertThat(s.current().privateKey().getAlgorithm()).isEqualTo("RSA");
    }
  }

  @Test
  void replacedFilesAreTakenAtTheNextPoll() throws Exception {
    try (PemIdentitySource s = source()) {
      List<String> heard = new CopyOnWriteArrayList<>();
      s.addListener((previous, current) -> heard.add(previous.spiffeId().serviceName().orElseThrow() + ">"
          + current.spiffeId().serviceName().orElseThrow()));
      assertThat(s.poll()).as("nothing changed").isFalse();

      Pki.writePem(dir, pki.ca.issue(TestPki.id("checkout"), Duration.ofHours(1)), "tls");
      assertThat(s.poll()).isTrue();

      assertThat(s.current().spiffeId()).isEqualTo(TestPki.id("checkout"));
      assertThat(heard).containsExactly("greeter>checkout");
      assertThat(s.poll()).isFalse();
    }
  }

  @Test
  void aMismatchedPairOnDiskIsRefusedAndTheOldIdentityStaysInForce() throws Exception {
    try (PemIdentitySource s = source()) {
      WorkloadCertificate before = s.current();
      List<IdentityException> failures = new CopyOnWriteArrayList<>();
      s.addListener(new IdentityListener() {
        @Override
        public void certificateChanged(WorkloadCertificate previous, WorkloadCertificate current) {}

        @Override
        public void refreshFailed(IdentityException problem) {
          failures.add(problem);
        }
      });
      // a writer that replaced the certificate but not yet the key
      Files.writeString(chain, pki.ca.issue(TestPki.id("checkout"), Duration.ofHours(1)).chainPem());

      assertThat(s.poll()).isFalse();
      assertThat(s.poll()).as("the same broken content is reported once").isFalse();

      assertThat(s.current()).isSameAs(before);
      assertThat(s.lastError()).get().extracting(Throwable::getMessage).asString()
          .startsWith("private key " + key + " does not match the certificate in " + chain
              + " (spiffe://example.org/service/checkout)");
      assertThat(failures).hasSize(1);

      // the writer finishes: a matching pair
      Pki.writePem(dir, pki.ca.issue(TestPki.id("checkout"), Duration.ofHours(1)), "tls");
      assertThat(s.poll()).isTrue();
      assertThat(s.lastError()).isEmpty();
      assertThat(s.current().spiffeId()).isEqualTo(TestPki.id("checkout"));
    }
  }

  @Test
  void aFileMissingDuringAPollKeepsTheIdentityAndIsReported() throws Exception {
    try (PemIdentitySource s = source()) {
      WorkloadCertificate before = s.current();
      byte[] keyBytes = Files.readAllBytes(key);
      Files.delete(key);
      assertThat(s.poll()).isFalse();
      assertThat(s.current()).isSameAs(before);
      assertThat(s.lastError()).get().extracting(Throwable::getMessage).isEqualTo("private key file " + key + ": not found");

      Files.write(key, keyBytes);
      assertThat(s.poll()).isFalse();
      assertThat(s.lastError()).as("back to the content in force").isEmpty();
      assertThat(s.current()).isSameAs(before);
    }
  }

  @Test
  void theConventionalFileNamesOfCertManagerAndSpiffeHelperAreKnown() throws Exception {
    WorkloadCertificate c = pki.ca.issue(TestPki.id("greeter"), Duration.ofHours(1));
    Path cm = Files.createDirectory(dir.resolve("cm"));
    Files.writeString(cm.resolve("tls.crt"), c.chainPem());
    Files.writeString(cm.resolve("tls.key"), c.privateKeyPem());
    Files.writeString(cm.resolve("ca.crt"), c.trustBundlePem());
    Path sh = Files.createDirectory(dir.resolve("sh"));
    Files.writeString(sh.resolve("svid.pem"), c.chainPem());
    Files.writeString(sh.resolve("svid_key.pem"), c.privateKeyPem());
    Files.writeString(sh.resolve("svid_bundle.pem"), c.trustBundlePem());

    try (PemIdentitySource a = PemIdentitySource.certManager(cm).manualPolling().build();
        PemIdentitySource b = PemIdentitySource.spiffeHelper(sh).manualPolling().build()) {
      assertThat(a.current().leaf()).isEqualTo(c.leaf());
      assertThat(b.current().leaf()).isEqualTo(c.leaf());
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
