package io.meshwork.tls.testing;

import io.meshwork.tls.CertificateIssuer;
import io.meshwork.tls.DevCertificateAuthority;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.RotatingIdentity;
import io.meshwork.tls.WorkloadCertificate;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A mesh moving from one certificate authority to another, the way operators do it: every
 * identity first trusts the new CA beside the old one, then gets certificates from the new CA,
 * then stops trusting the old one, each step put into force at once with
 * {@link RotatingIdentity#rotateNow()}. Identities it issues renew only when told.
 *
 * <p>For the transports' rotation tests (mesh-http, mesh-grpc), from mesh-tls's test-jar.
 */
public final class TrustRotation implements CertificateIssuer, AutoCloseable {
  private final DevCertificateAuthority oldCa;
  private final DevCertificateAuthority newCa;
  private final List<RotatingIdentity> identities = new ArrayList<>();
  private volatile DevCertificateAuthority issuer;
  private volatile List<X509Certificate> bundle;

  /** Two development CAs in {@code folder}; identities start with the old one alone. */
  public TrustRotation(Path folder) {
    this.oldCa = DevCertificateAuthority.open(folder.resolve("old-ca"));
    this.newCa = DevCertificateAuthority.open(folder.resolve("new-ca"));
    this.issuer = oldCa;
    this.bundle = List.of(oldCa.certificate());
  }

  public DevCertificateAuthority oldCa() {
    return oldCa;
  }

  public DevCertificateAuthority newCa() {
    return newCa;
  }

  @Override
  public WorkloadCertificate issue(io.meshwork.tls.SpiffeId id, Duration lifetime) {
    WorkloadCertificate c = issuer.issue(id, lifetime);
    return WorkloadCertificate.of(c.privateKey(), c.chain(), bundle);
  }

  /** {@code service}'s mesh TLS, from this rotation's current issuer and bundle; renewed only by the steps. */
  public MeshTls tls(String service) {
    RotatingIdentity id = RotatingIdentity.builder(this, Pki.id(service)).lifetime(Duration.ofHours(1))
        .manualRenewal().build();
    synchronized (identities) {
      identities.add(id);
    }
    return MeshTls.create(id);
  }

  /** Step 1: every identity trusts the new CA beside the old one; certificates still from the old. */
  public void trustBoth() {
    bundle = List.of(oldCa.certificate(), newCa.certificate());
    rotateAll();
  }

  /** Step 2: every identity gets a certificate from the new CA, still trusting both. */
  public void issueFromNew() {
    issuer = newCa;
    rotateAll();
  }

  /** Step 3: every identity stops trusting the old CA. */
  public void dropOld() {
    bundle = List.of(newCa.certificate());
    rotateAll();
  }

  private void rotateAll() {
    synchronized (identities) {
      for (RotatingIdentity id : identities) {
        if (!id.rotateNow()) throw new IllegalStateException("rotation failed for " + id);
      }
    }
  }

  @Override
  public void close() {
    synchronized (identities) {
      identities.forEach(RotatingIdentity::close);
    }
  }
}
