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

  /**
   * Puts a new identity into force now, without waiting for the source's own schedule: a
   * {@link RotatingIdentity} issues a new certificate (with the issuer's current trust bundle),
   * a {@link PemIdentitySource} reads its files at once. For operations: after a suspected key
   * compromise, or to move a fleet to a new trust bundle (trust the new CA beside the old one,
   * rotate, issue from the new CA, rotate, drop the old CA, rotate) without waiting for renewal.
   * New connections use the new identity at their handshake; open ones carry on, so no request
   * in flight fails.
   *
   * @return whether a new certificate went into force (false when the source's content did not
   *     change, or a new certificate could not be had: then the current one stays in force and
   *     listeners are told of the failure)
   * @throws UnsupportedOperationException when the source cannot rotate on demand (the default)
   */
  default boolean rotateNow() {
    throw new UnsupportedOperationException(getClass().getName() + " cannot rotate on demand");
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
