package io.meshwork.tls.testing;

import io.meshwork.tls.CertificateIssuer;
import io.meshwork.tls.DevCertificateAuthority;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.RotatingIdentity;
import io.meshwork.tls.SpiffeId;
import io.meshwork.tls.WorkloadCertificate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Development CAs in test folders, and the identities and {@link MeshTls} instances they issue,
 * on the system clock (the TLS stacks check validity against it). Closing stops every identity's
 * renewal.
 *
 * <p>For the tests of mesh-tls and of the transports built on it (mesh-http, mesh-grpc), which
 * get it from mesh-tls's test-jar. Tests that need a fake clock use mesh-tls's own {@code
 * TestPki} instead.
 */
public final class Pki implements AutoCloseable {
  /** The trust domain of every identity this issues: {@value}. */
  public static final String TRUST_DOMAIN = "example.org";

  private final DevCertificateAuthority ca;
  private final List<RotatingIdentity> identities = new ArrayList<>();

  /** Opens the development CA in {@code folder}, creating it there if it is not yet. */
  public Pki(Path folder) {
    this.ca = DevCertificateAuthority.open(folder);
  }

  /** {@code service}'s SPIFFE ID in {@link #TRUST_DOMAIN}. */
  public static SpiffeId id(String service) {
    return SpiffeId.forService(TRUST_DOMAIN, service);
  }

  /** The development CA the identities come from. */
  public DevCertificateAuthority ca() {
    return ca;
  }

  /** {@code service}'s identity with certificates of an hour, renewed in the background. */
  public MeshTls tls(String service) {
    return tls(service, Duration.ofHours(1));
  }

  /** {@code service}'s identity with certificates of {@code lifetime}, renewed in the background. */
  public MeshTls tls(String service, Duration lifetime) {
    return MeshTls.create(track(RotatingIdentity.builder(ca, id(service)).lifetime(lifetime).build()));
  }

  /** {@code service}'s identity with certificates of an hour, renewed only when the test calls {@code renewIfDue}. */
  public RotatingIdentity manualIdentity(String service) {
    return track(RotatingIdentity.builder(ca, id(service)).lifetime(Duration.ofHours(1)).manualRenewal().build());
  }

  /**
   * {@code service}'s identity with a certificate from {@code issuer} (another CA) but this CA's
   * trust bundle beside the issuer's: it trusts servers of this mesh, and they must refuse it.
   */
  public MeshTls foreignTls(String service, DevCertificateAuthority issuer) {
    CertificateIssuer mixed = (id, lifetime) -> {
      WorkloadCertificate c = issuer.issue(id, lifetime);
      return WorkloadCertificate.of(c.privateKey(), c.chain(), List.of(ca.certificate(), issuer.certificate()));
    };
    return MeshTls.create(track(RotatingIdentity.builder(mixed, id(service)).lifetime(Duration.ofHours(1)).manualRenewal().build()));
  }

  /**
   * Writes {@code cert}'s chain, key and bundle as {@code <prefix>.crt/.key/-ca.crt} in {@code dir}.
   *
   * @return the three files, in that order
   */
  public static Path[] writePem(Path dir, WorkloadCertificate cert, String prefix) throws IOException {
    Path chain = dir.resolve(prefix + ".crt");
    Path key = dir.resolve(prefix + ".key");
    Path bundle = dir.resolve(prefix + "-ca.crt");
    Files.writeString(chain, cert.chainPem(), StandardCharsets.US_ASCII);
    Files.writeString(key, cert.privateKeyPem(), StandardCharsets.US_ASCII);
    Files.writeString(bundle, cert.trustBundlePem(), StandardCharsets.US_ASCII);
    return new Path[] {chain, key, bundle};
  }

  private RotatingIdentity track(RotatingIdentity identity) {
    synchronized (identities) {
      identities.add(identity);
    }
    return identity;
  }

  /** Stops the background renewal of every identity this issued. */
  @Override
  public void close() {
    synchronized (identities) {
      identities.forEach(RotatingIdentity::close);
    }
  }
}
