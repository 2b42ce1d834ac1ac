package io.meshwork.tls;

import java.time.Duration;

/**
 * Issues workload certificates: the {@link DevCertificateAuthority} in process; an adapter
 * over a remote CA (Vault's PKI engine, a SPIRE agent) could implement it too. {@link
 * RotatingIdentity} calls it at start and at every renewal, off the request path.
 */
@FunctionalInterface
public interface CertificateIssuer {
  /**
   * A new key pair and a certificate for {@code id}, valid from now for {@code lifetime} (or
   * less, if the CA itself expires sooner).
   *
   * @throws IdentityException when the certificate cannot be issued
   */
  WorkloadCertificate issue(SpiffeId id, Duration lifetime);
}
