package io.meshwork.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.spiffeid.TrustDomain;
import io.spiffe.svid.x509svid.X509Svid;
import io.spiffe.svid.x509svid.X509SvidValidator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.interfaces.ECPublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The workload certificates the development CA issues are X.509-SVIDs. */
class IssuedCertificateTest {
  @TempDir Path dir;
  TestPki pki;

  @BeforeEach
  void setUp() {
    pki = new TestPki(dir.resolve("ca"));
  }

  @Test
  void theSpiffeIdIsTheOnlyUriSanAndThereIsNoDnsSan() throws Exception {
    WorkloadCertificate c = pki.ca.issue(TestPki.id("greeter"), Duration.ofHours(24));

    assertThat(c.spiffeId()).isEqualTo(SpiffeId.parse("spiffe://example.org/service/greeter"));
    assertThat(c.leaf().getSubjectAlternativeNames())
        .containsExactly(List.of(6, "spiffe://example.org/service/greeter"));
  }

  @Test
  void theKeyIsEcdsaP256AndTheUsagesAreThoseOfAnSvid() throws Exception {
    X509Certificate leaf = pki.ca.issue(TestPki.id("greeter"), Duration.ofHours(24)).leaf();

    assertThat(leaf.getPublicKey()).isInstanceOf(ECPublicKey.class);
    assertThat(((ECPublicKey) leaf.getPublicKey()).getParams().toString()).contains("secp256r1");
    assertThat(leaf.getSigAlgName()).isEqualTo("SHA256withECDSA");
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    boolean[] usage = leaf.getKeyUsage();
    assertThat(usage[0]).as("digitalSignature").isTrue();
    assertThat(usage[5]).as("keyCertSign").isFalse();
    assertThat(usage[6]).as("cRLSign").isFalse();
    assertThat(leaf.getCriticalExtensionOIDs()).contains("2.5.29.15"); // key usage is critical
    assertThat(leaf.getExtendedKeyUsage()).containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    leaf.verify(pki.ca.certificate().getPublicKey());
  }

  @Test
  void theLifetimeIsAsConfiguredFromTheClocksSecond() {
    WorkloadCertificate day = pki.ca.issue(TestPki.id("greeter"), DevCertificateAuthority.DEFAULT_LIFETIME);
    WorkloadCertificate shortOne = pki.ca.issue(TestPki.id("greeter"), Duration.ofSeconds(5));

    assertThat(day.notBefore()).isEqualTo(pki.clock.instant());
    assertThat(day.lifetime()).isEqualTo(Duration.ofHours(24));
    assertThat(shortOne.lifetime()).isEqualTo(Duration.ofSeconds(5));
    assertThatThrownBy(() -> pki.ca.issue(TestPki.id("greeter"), Duration.ofMillis(500)))
        .hasMessage("lifetime: PT0.5S (expected: at least 1 second)");
  }

  @Test
  void noCertificateOutlivesTheCa() {
    pki.clock.advance(DevCertificateAuthority.CA_LIFETIME.minusHours(1));
    WorkloadCertificate c = pki.ca.issue(TestPki.id("greeter"), Duration.ofHours(24));
    assertThat(c.notAfter()).isEqualTo(pki.ca.certificate().getNotAfter().toInstant());
  }

  @Test
  void serialsAreRandomAndPositive() {
    Set<java.math.BigInteger> serials = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      java.math.BigInteger s = pki.ca.issue(TestPki.id("greeter"), Duration.ofHours(1)).leaf().getSerialNumber();
      assertThat(s.signum()).isPositive();
      assertThat(s.bitLength()).isLessThanOrEqualTo(127);
      serials.add(s);
    }
    assertThat(serials).hasSize(20);
  }

  @Test
  void javaSpiffeParsesItAsAValidX509SvidAndValidatesItsChain() throws Exception {
    WorkloadCertificate c = pki.ca.issue(TestPki.id("greeter"), Duration.ofHours(24));

    X509Svid svid = X509Svid.parse(c.chainPem().getBytes(StandardCharsets.US_ASCII),
        c.privateKeyPem().getBytes(StandardCharsets.US_ASCII));

    assertThat(svid.getSpiffeId().toString()).isEqualTo("spiffe://example.org/service/greeter");
    assertThat(svid.getLeaf()).isEqualTo(c.leaf());
    X509Bundle bundle = new X509Bundle(TrustDomain.parse("example.org"), Set.copyOf(c.trustBundle()));
    X509SvidValidator.verifyChain(svid.getChain(), bundle);
    X509SvidValidator.verifySpiffeId(svid.getLeaf(),
        () -> Set.of(io.spiffe.spiffeid.SpiffeId.parse("spiffe://example.org/service/greeter")));
  }

  @Test
  void pemExportDoesNotLeakTheKeyInToString() {
    WorkloadCertificate c = pki.ca.issue(TestPki.id("greeter"), Duration.ofHours(24));
    assertThat(c.toString()).startsWith("spiffe://example.org/service/greeter (serial ").doesNotContain("PRIVATE");
    assertThat(c.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----\n");
    assertThat(c.chainPem()).startsWith("-----BEGIN CERTIFICATE-----\n");
  }

  @Test
  void aWorkloadCertificateRefusesAKeyOfAnotherCertificate() {
    WorkloadCertificate a = pki.ca.issue(TestPki.id("a"), Duration.ofHours(1));
    WorkloadCertificate b = pki.ca.issue(TestPki.id("b"), Duration.ofHours(1));
    assertThatThrownBy(() -> WorkloadCertificate.of(a.privateKey(), b.chain(), b.trustBundle()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the private key does not match the certificate of spiffe://example.org/service/b "
            + "(the public keys differ)");
    assertThatThrownBy(() -> WorkloadCertificate.of(a.privateKey(), List.of(pki.ca.certificate()), a.trustBundle()))
        .hasMessageContaining("has no URI SAN");
  }
}
