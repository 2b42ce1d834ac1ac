package io.meshwork.core.model;

/**
 * Settings of the whole mesh.
 *
 * @param trustDomain trust domain of SPIFFE identities, default {@value Defaults#TRUST_DOMAIN}
 * @param tls mTLS mode, default {@link Defaults#TLS_MODE}
 */
public record MeshSettings(String trustDomain, TlsMode tls) {
  public static final MeshSettings DEFAULT = new MeshSettings(Defaults.TRUST_DOMAIN, Defaults.TLS_MODE);

  public MeshSettings {
    Check.nonBlank("trustDomain", trustDomain);
    Check.notNull("tls", tls);
  }
}
