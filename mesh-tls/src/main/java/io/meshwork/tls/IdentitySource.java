package io.meshwork.tls;

/**
 * Where a workload's identity comes from: the current {@link WorkloadCertificate}, replaced
 * as a whole when it rotates. The mesh's key and trust managers read {@link #current()} at
 * every handshake, so rotation reaches new connections without rebuilding any client, channel
 * or server.
 *
 * <p>Implementations: {@link RotatingIdentity} (certificates issued in process by the {@link
 * DevCertificateAuthority}, renewed at two thirds of their life) and {@link PemIdentitySource}
 * (files written by cert-manager, Vault agent or SPIRE's helper, reloaded on change).
 *
 * <p>Thread-safe. {@link #current()} is a volatile read and never returns {@code null}: a
 * source exists only once it holds a valid certificate.
 */
public interface IdentitySource extends AutoCloseable {
  /** The certificate to present now. A volatile read; never {@code null}. */
  WorkloadCertificate current();

  /** The SPIFFE ID of the current certificate. */
  default SpiffeId spiffeId() {
    return current().spiffeId();
  }

  /** Calls {@code listener} on every later change or failed refresh. */
  void addListener(IdentityListener listener);

  /** Stops calling {@code listener}. */
  void removeListener(IdentityListener listener);

  /**
   * Stops background renewal or polling (a thread the source started is stopped; a scheduler
   * it was given is left running). {@link #current()} keeps answering the last certificate.
   * Idempotent.
   */
  @Override
  void close();
}
