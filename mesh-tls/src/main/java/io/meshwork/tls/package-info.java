/**
 * Mutual TLS for the mesh, independent of any transport: workload identities ({@link
 * io.meshwork.tls.SpiffeId}, {@link io.meshwork.tls.WorkloadCertificate}), where they come from
 * ({@link io.meshwork.tls.IdentitySource}: the {@link io.meshwork.tls.DevCertificateAuthority}
 * with {@link io.meshwork.tls.RotatingIdentity}, or {@link io.meshwork.tls.PemIdentitySource}),
 * TLS 1.3 contexts and key and trust managers that follow rotation ({@link
 * io.meshwork.tls.MeshTls}), peer verification by identity ({@link
 * io.meshwork.tls.PeerIdentityPolicy}) and the server's access decision ({@link
 * io.meshwork.tls.AccessPolicy}).
 *
 * <p>Stability: 0.x, may change before 1.0 like the rest of Meshwork; {@code
 * io.meshwork.tls.internal} is not API at all.
 */
package io.meshwork.tls;
