package io.meshwork.tls;

import io.meshwork.tls.internal.Keys;
import io.meshwork.tls.internal.Pem;
import io.meshwork.tls.internal.X509;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a workload presents and trusts at one moment: its private key, its certificate chain
 * (an X.509-SVID first), the trust bundle (CA certificates) that peers' chains are checked
 * against, and the SPIFFE ID the certificate carries.
 *
 * <p>Immutable. An {@link IdentitySource} replaces the whole value when it rotates, so a
 * handshake never sees a key of one certificate with the chain of another. {@link #toString()}
 * never shows the key.
 */
public final class WorkloadCertificate {
  private final PrivateKey privateKey;
  private final List<X509Certificate> chain;
  private final List<X509Certificate> trustBundle;
  private final SpiffeId spiffeId;

  private WorkloadCertificate(PrivateKey privateKey, List<X509Certificate> chain,
      List<X509Certificate> trustBundle, SpiffeId spiffeId) {
    this.privateKey = privateKey;
    this.chain = chain;
    this.trustBundle = trustBundle;
    this.spiffeId = spiffeId;
  }

  /**
   * A workload certificate, checked: the chain is not empty, its first certificate carries
   * exactly one URI SAN that is a SPIFFE ID with a path, the key is that certificate's private
   * key (proved by a signature, about a millisecond), and the bundle is not empty.
   *
   * @param privateKey the private key of {@code chain.get(0)}
   * @param chain the certificate chain, leaf first, without the root
   * @param trustBundle the CA certificates peers' chains must lead to
   * @throws IllegalArgumentException saying which check failed
   */
  public static WorkloadCertificate of(PrivateKey privateKey, List<X509Certificate> chain,
      List<X509Certificate> trustBundle) {
    Objects.requireNonNull(privateKey, "privateKey");
    List<X509Certificate> c = List.copyOf(Objects.requireNonNull(chain, "chain"));
    List<X509Certificate> b = List.copyOf(Objects.requireNonNull(trustBundle, "trustBundle"));
    if (c.isEmpty()) {
      throw new IllegalArgumentException("chain: empty (expected: the workload's certificate first)");
    }
    if (b.isEmpty()) {
      throw new IllegalArgumentException("trustBundle: empty (expected: at least one CA certificate)");
    }
    SpiffeId id;
    try {
      id = X509.spiffeIdOf(c.get(0));
    } catch (CertificateException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    String mismatch = Keys.mismatch(privateKey, c.get(0).getPublicKey());
    if (mismatch != null) {
      throw new IllegalArgumentException("the private key does not match the certificate of " + id + " (" + mismatch + ")");
    }
    return new WorkloadCertificate(privateKey, c, b, id);
  }

  /** The private key of {@link #leaf()}. */
  public PrivateKey privateKey() {
    return privateKey;
  }

  /** The certificate chain presented to peers, leaf first. */
  public List<X509Certificate> chain() {
    return chain;
  }

  /** The workload's own certificate, the first of the chain. */
  public X509Certificate leaf() {
    return chain.get(0);
  }

  /** The CA certificates that peers' chains are validated against. */
  public List<X509Certificate> trustBundle() {
    return trustBundle;
  }

  /** The identity in the certificate's URI SAN. */
  public SpiffeId spiffeId() {
    return spiffeId;
  }

  /** When the certificate becomes valid. */
  public Instant notBefore() {
    return leaf().getNotBefore().toInstant();
  }

  /** When the certificate expires. */
  public Instant notAfter() {
    return leaf().getNotAfter().toInstant();
  }

  /** The certificate's validity period, {@code notAfter - notBefore}. */
  public Duration lifetime() {
    return Duration.between(notBefore(), notAfter());
  }

  /** The chain as PEM {@code CERTIFICATE} blocks, for tools such as curl and openssl. */
  public String chainPem() {
    return Pem.encodeCertificates(chain);
  }

  /** The private key as an unencrypted PKCS#8 PEM block. Handle with care. */
  public String privateKeyPem() {
    return Pem.encodePrivateKey(privateKey);
  }

  /** The trust bundle as PEM {@code CERTIFICATE} blocks. */
  public String trustBundlePem() {
    return Pem.encodeCertificates(trustBundle);
  }

  /** E.g. {@code spiffe://example.org/service/greeter (serial 1f.., until 2026-01-02T03:04:05Z)}. */
  @Override
  public String toString() {
    return spiffeId + " (serial " + leaf().getSerialNumber().toString(16) + ", until " + notAfter() + ")";
  }
}
