package io.meshwork.spring.boot;

import io.meshwork.tls.IdentityException;
import io.meshwork.tls.IdentityListener;
import io.meshwork.tls.IdentitySource;
import io.meshwork.tls.WorkloadCertificate;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundleKey;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.SslStoreBundle;

/**
 * The workload identity from a named Spring SSL bundle ({@code meshwork.tls.mode=ssl-bundle},
 * {@code meshwork.tls.bundle=<name>}): the key entry of the bundle's key store and its chain are
 * the workload certificate, the certificate entries of its trust store the trust bundle. When Boot
 * updates the bundle ({@code reload-on-update: true}), the new content goes into force at once
 * and the listeners are told; a bundle that no longer holds a valid workload certificate is
 * refused, the previous certificate stays in force, and the listeners are told of the failure.
 *
 * <p>The bundle cannot be unregistered from Boot's update handlers; after {@link #close()} its
 * updates are ignored.
 */
final class SslBundleIdentitySource implements IdentitySource {
  static final String BUNDLE = "meshwork.tls.bundle";

  private static final Log log = LogFactory.getLog(SslBundleIdentitySource.class);

  private final SslBundles bundles;
  private final String name;
  private final List<IdentityListener> listeners = new CopyOnWriteArrayList<>();
  private volatile WorkloadCertificate current;
  private volatile boolean closed;

  private SslBundleIdentitySource(SslBundles bundles, String name, WorkloadCertificate first) {
    this.bundles = bundles;
    this.name = name;
    this.current = first;
  }

  /**
   * The identity of bundle {@code name}, following its updates.
   *
   * @throws IllegalStateException naming {@value #BUNDLE} and the bundle when the name is missing,
   *     the bundle does not exist or does not hold a workload certificate with a SPIFFE ID
   */
  static SslBundleIdentitySource open(SslBundles bundles, String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalStateException(BUNDLE + ": not set (expected: the name of a Spring SSL bundle,"
          + " spring.ssl.bundle.pem.<name> or spring.ssl.bundle.jks.<name>, required with"
          + " meshwork.tls.mode=ssl-bundle)");
    }
    if (name.equals(MeshSslBundleRegistrar.BUNDLE_NAME)) {
      throw new IllegalStateException(BUNDLE + ": " + name + " (expected: a bundle of the application's;"
          + " " + MeshSslBundleRegistrar.BUNDLE_NAME + " is the one the starter makes from the mesh identity)");
    }
    SslBundle bundle;
    try {
      bundle = bundles.getBundle(name);
    } catch (NoSuchSslBundleException e) {
      throw new IllegalStateException(BUNDLE + ": " + name + " (expected: the name of a configured SSL"
          + " bundle; there are " + bundles.getBundleNames().stream()
          .filter(n -> !n.equals(MeshSslBundleRegistrar.BUNDLE_NAME)).toList() + ")", e);
    }
    WorkloadCertificate first;
    try {
      first = certificate(bundle, name);
    } catch (IdentityException e) {
      throw new IllegalStateException(BUNDLE + ": " + name + " (" + e.getMessage() + ")", e);
    }
    SslBundleIdentitySource source = new SslBundleIdentitySource(bundles, name, first);
    bundles.addBundleUpdateHandler(name, source::update);
    return source;
  }

  @Override
  public WorkloadCertificate current() {
    return current;
  }

  /** Reads the bundle Boot holds now and puts it into force when its certificate differs. */
  @Override
  public synchronized boolean rotateNow() {
    return apply(bundles.getBundle(name));
  }

  @Override
  public void addListener(IdentityListener listener) {
    listeners.add(listener);
  }

  @Override
  public void removeListener(IdentityListener listener) {
    listeners.remove(listener);
  }

  @Override
  public void close() {
    closed = true;
  }

  @Override
  public String toString() {
    return "SslBundleIdentitySource(" + name + ": " + current + ")";
  }

  private synchronized void update(SslBundle bundle) {
    if (!closed) apply(bundle);
  }

  private boolean apply(SslBundle bundle) {
    WorkloadCertificate next;
    try {
      next = certificate(bundle, name);
    } catch (IdentityException e) {
      log.warn("SSL bundle " + name + ": refused its update; keeping " + current + ": " + e.getMessage());
      for (IdentityListener l : listeners) l.refreshFailed(e);
      return false;
    }
    WorkloadCertificate previous = current;
    if (next.leaf().equals(previous.leaf()) && next.trustBundle().equals(previous.trustBundle())) return false;
    current = next;
    log.info("SSL bundle " + name + ": " + next + " replaces " + previous);
    for (IdentityListener l : listeners) {
      try {
        l.certificateChanged(previous, next);
      } catch (RuntimeException e) {
        log.warn("identity listener " + l + " failed", e);
      }
    }
    return true;
  }

  /** The workload certificate in {@code bundle}, or an exception saying what it lacks. */
  static WorkloadCertificate certificate(SslBundle bundle, String name) {
    String where = "SSL bundle '" + name + "'";
    SslStoreBundle stores = bundle.getStores();
    KeyStore keys = stores.getKeyStore();
    if (keys == null) throw new IdentityException(where + " has no key store (expected: a certificate and private key)");
    KeyStore trust = stores.getTrustStore();
    if (trust == null) {
      throw new IdentityException(where + " has no trust store (expected: the CA certificates peers are"
          + " verified against, e.g. spring.ssl.bundle.pem." + name + ".truststore.certificate)");
    }
    try {
      SslBundleKey key = bundle.getKey();
      String alias = key.getAlias() != null ? key.getAlias() : keyAlias(keys, where);
      if (!keys.isKeyEntry(alias)) throw new IdentityException(where + ": no key entry '" + alias + "' in its key store");
      PrivateKey privateKey = privateKey(keys, alias, key.getPassword(), stores.getKeyStorePassword(), where);
      Certificate[] chain = keys.getCertificateChain(alias);
      if (chain == null || chain.length == 0) throw new IdentityException(where + ": key entry '" + alias + "' has no certificate");
      List<X509Certificate> certificates = new ArrayList<>();
      for (Certificate c : chain) certificates.add((X509Certificate) c);
      List<X509Certificate> trusted = new ArrayList<>();
      for (String a : Collections.list(trust.aliases())) {
        if (trust.getCertificate(a) instanceof X509Certificate c) trusted.add(c);
      }
      if (trusted.isEmpty()) throw new IdentityException(where + ": its trust store holds no certificate");
      return WorkloadCertificate.of(privateKey, certificates, trusted);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IdentityException(where + ": " + e.getMessage()
          + " (expected: a key and certificate whose URI SAN is this service's SPIFFE ID)", e);
    }
  }

  private static String keyAlias(KeyStore keys, String where) throws GeneralSecurityException {
    List<String> aliases = new ArrayList<>();
    for (String a : Collections.list(keys.aliases())) if (keys.isKeyEntry(a)) aliases.add(a);
    if (aliases.size() != 1) {
      throw new IdentityException(where + ": " + aliases.size() + " key entries " + aliases
          + " (expected: one, or the key alias set in the bundle)");
    }
    return aliases.get(0);
  }

  private static PrivateKey privateKey(KeyStore keys, String alias, String keyPassword, String storePassword,
      String where) throws GeneralSecurityException {
    GeneralSecurityException last = null;
    for (String password : new String[] {keyPassword, storePassword, ""}) {
      if (password == null) continue;
      try {
        Key k = keys.getKey(alias, password.toCharArray());
        if (k instanceof PrivateKey p) return p;
      } catch (GeneralSecurityException e) {
        last = e;
      }
    }
    try {
      if (keys.getKey(alias, null) instanceof PrivateKey p) return p;
    } catch (GeneralSecurityException e) {
      last = e;
    }
    throw new IdentityException(where + ": cannot read the private key '" + alias + "' (wrong key password?)", last);
  }
}
