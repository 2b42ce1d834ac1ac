package io.meshwork.core.model;

import java.util.Locale;

/** How services of the mesh use mutual TLS. */
public enum TlsMode {
  /** mTLS required both ways; plaintext is refused. */
  STRICT,
  /** Plaintext and mTLS both accepted; a caller identity exists only when mTLS was used. */
  PERMISSIVE,
  /** Plaintext only. */
  DISABLED;

  /** The name as written in the registry document. */
  public String documentName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
