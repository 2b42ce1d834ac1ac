package io.meshwork.tls.internal;

import io.meshwork.tls.IdentitySource;
import io.meshwork.tls.WorkloadCertificate;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager that always presents its identity source's current certificate, so a
 * rotation reaches the next handshake without rebuilding any SSL context.
 *
 * <p>The JDK asks for an alias first and for the chain and key of that alias afterwards, in
 * separate calls; a rotation in between must not pair the old chain with the new key. Each
 * certificate therefore gets its own alias ({@code meshwork-<n>}), and the previous one stays
 * resolvable, so the chain and key always belong to the alias chosen.
 *
 * <p>The peer's list of acceptable issuers is ignored: a mesh workload has one identity.
 * Costs a volatile read and a reference comparison per call while the certificate is
 * unchanged.
 */
public final class RotatingKeyManager extends X509ExtendedKeyManager {
  private static final String PREFIX = "meshwork-";
  private final IdentitySource source;
  private volatile Entry latest;
  private volatile Entry previous;
  private long generation; // guarded by this

  public RotatingKeyManager(IdentitySource source) {
    this.source = source;
    this.latest = new Entry(source.current(), PREFIX + 0);
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return choose(keyTypes);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    return choose(keyTypes);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return choose(new String[] {keyType});
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return choose(new String[] {keyType});
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    String a = choose(new String[] {keyType});
    return a == null ? null : new String[] {a};
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return getClientAliases(keyType, issuers);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    Entry e = find(alias);
    return e == null ? null : e.chain.clone();
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    Entry e = find(alias);
    return e == null ? null : e.certificate.privateKey();
  }

  private String choose(String[] keyTypes) {
    Entry e = entry(source.current());
    return matches(keyTypes, e.certificate.privateKey().getAlgorithm()) ? e.alias : null;
  }

  private Entry entry(WorkloadCertificate c) {
    Entry e = latest;
    if (e.certificate == c) {
      return e;
    }
    synchronized (this) {
      e = latest;
      if (e.certificate != c) {
        previous = e;
        e = new Entry(c, PREFIX + (++generation));
        latest = e;
      }
      return e;
    }
  }

  private Entry find(String alias) {
    if (alias == null) return null;
    Entry e = latest;
    if (e.alias.equals(alias)) return e;
    Entry p = previous;
    return p != null && p.alias.equals(alias) ? p : null;
  }

  /** Key types are "EC", "RSA", "RSASSA-PSS", "EdDSA", or TLS 1.2's "EC_EC", "EC_RSA", ... */
  static boolean matches(String[] keyTypes, String algorithm) {
    if (keyTypes == null) return true;
    for (String t : keyTypes) {
      if (t == null) continue;
      int u = t.indexOf('_');
      String kind = u < 0 ? t : t.substring(0, u);
      if (kind.equals(algorithm)) return true;
    }
    return false;
  }

  private static final class Entry {
    final WorkloadCertificate certificate;
    final String alias;
    final X509Certificate[] chain;

    Entry(WorkloadCertificate certificate, String alias) {
      this.certificate = certificate;
      this.alias = alias;
      this.chain = certificate.chain().toArray(new X509Certificate[0]);
    }
  }
}
