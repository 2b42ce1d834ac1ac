package io.meshwork.spring.boot;

import io.meshwork.core.Mesh;
import io.meshwork.tls.IdentityListener;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.PeerIdentityPolicy;
import io.meshwork.tls.WorkloadCertificate;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.KeyManagerFactorySpi;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.TrustManagerFactorySpi;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.boot.autoconfigure.ssl.SslBundleRegistrar;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundleKey;
import org.springframework.boot.ssl.SslBundleRegistry;
import org.springframework.boot.ssl.SslManagerBundle;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.boot.ssl.SslStoreBundle;

/**
 * Registers the Spring SSL bundle {@value #BUNDLE_NAME}: the mesh's workload identity (its
 * certificate, key and trust bundle), TLS 1.3 only. {@code server.ssl.bundle=meshwork} makes Boot's
 * embedded Tomcat or Jetty serve mutual TLS with it.
 *
 * <p>The bundle carries the identity twice. Its {@linkplain SslBundle#getManagers() managers} are
 * the mesh's own: the key manager presents the current certificate at each handshake and the
 * trust manager accepts peers of the mesh's trust domain, so {@link SslBundle#createSslContext()}
 * follows rotation with nothing rebuilt. Its {@linkplain SslBundle#getStores() stores} are a
 * snapshot of the current certificate, because Tomcat and Jetty read key and trust stores, not
 * managers. When the identity changes, the registrar updates the bundle with a new snapshot
 * ({@link SslBundleRegistry#updateBundle}); Boot's Tomcat reloads its TLS configuration then, for
 * new connections, without a restart. Boot's Jetty does not reload bundles: on Jetty the starter
 * installs the mesh's own server context instead ({@code MeshJettySslCustomizer}).
 *
 * <p>Without a mesh-tls identity ({@code meshwork.tls.mode=none}) nothing is registered.
 *
 * <p>With {@code meshwork.tls.mode=ssl-bundle} the mesh is made from another SSL bundle, so it
 * cannot exist yet when Boot collects the registrars: the starter then registers a bundle that
 * looks the mesh up on first use ({@link #deferred(Supplier)}).
 */
public class MeshSslBundleRegistrar implements SslBundleRegistrar {

  /** The name of the bundle: {@code server.ssl.bundle=meshwork}. */
  public static final String BUNDLE_NAME = "meshwork";

  /** The alias of the key entry in the bundle's key store. */
  public static final String KEY_ALIAS = "meshwork";

  private static final Log log = LogFactory.getLog(MeshSslBundleRegistrar.class);
  // The stores exist only in memory and are handed to the container; the password protects nothing.
  private static final String STORE_PASSWORD = "meshwork";

  private final Mesh mesh;
  private final Supplier<Mesh> deferred;

  /** A registrar for the identity of {@code mesh}. */
  public MeshSslBundleRegistrar(Mesh mesh) {
    this.mesh = mesh;
    this.deferred = null;
  }

  private MeshSslBundleRegistrar(Supplier<Mesh> mesh) {
    this.mesh = null;
    this.deferred = Objects.requireNonNull(mesh, "mesh");
  }

  /**
   * A registrar that registers the bundle at once but asks {@code mesh} for the mesh only when
   * the bundle is first used: for a mesh whose identity itself comes from an SSL bundle, which
   * needs Boot's registry before the mesh exists. Using the bundle of a mesh without a mesh-tls
   * identity fails, saying so.
   */
  public static MeshSslBundleRegistrar deferred(Supplier<Mesh> mesh) {
    return new MeshSslBundleRegistrar(mesh);
  }

  @Override
  public void registerBundles(SslBundleRegistry registry) {
    if (deferred != null) {
      registry.registerBundle(BUNDLE_NAME, new DeferredBundle(() -> {
        MeshTls tls = MeshTls.of(deferred.get()).orElseThrow(() -> new IllegalStateException("SSL bundle "
            + BUNDLE_NAME + ": the mesh has no workload identity (expected: meshwork.tls.mode set to"
            + " development-ca, pem or ssl-bundle)"));
        follow(registry, tls);
        return bundle(tls, tls.identity().current());
      }));
      return;
    }
    Optional<MeshTls> identity = MeshTls.of(mesh);
    if (identity.isEmpty()) return;
    MeshTls tls = identity.get();
    registry.registerBundle(BUNDLE_NAME, bundle(tls, tls.identity().current()));
    follow(registry, tls);
  }

  private static void follow(SslBundleRegistry registry, MeshTls tls) {
    tls.identity().addListener(new IdentityListener() {
      @Override
      public void certificateChanged(WorkloadCertificate previous, WorkloadCertificate current) {
        try {
          registry.updateBundle(BUNDLE_NAME, bundle(tls, current));
        } catch (RuntimeException e) {
          log.warn("SSL bundle " + BUNDLE_NAME + ": could not update it to the new certificate " + current
              + "; the server presents the previous one until it restarts", e);
        }
      }
    });
  }

  /**
   * The bundle for {@code tls}: managers that follow rotation, and stores that hold {@code
   * current}.
   */
  static SslBundle bundle(MeshTls tls, WorkloadCertificate current) {
    SslStoreBundle stores = SslStoreBundle.of(keyStore(current), STORE_PASSWORD, trustStore(current.trustBundle()));
    SslManagerBundle managers = SslManagerBundle.of(
        new FixedKeyManagerFactory(tls.keyManager()),
        new FixedTrustManagerFactory(tls.trustManager(PeerIdentityPolicy.trustDomain(tls.trustDomain()))));
    SslOptions options = SslOptions.of(null, MeshTls.PROTOCOLS.toArray(String[]::new));
    return SslBundle.of(stores, SslBundleKey.of(STORE_PASSWORD, KEY_ALIAS), options, MeshTls.PROTOCOL, managers);
  }

  private static KeyStore keyStore(WorkloadCertificate certificate) {
    try {
      KeyStore store = emptyStore();
      store.setKeyEntry(KEY_ALIAS, certificate.privateKey(), STORE_PASSWORD.toCharArray(),
          certificate.chain().toArray(X509Certificate[]::new));
      return store;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SSL bundle " + BUNDLE_NAME + ": cannot store " + certificate, e);
    }
  }

  private static KeyStore trustStore(List<X509Certificate> bundle) {
    try {
      KeyStore store = emptyStore();
      for (int i = 0; i < bundle.size(); i++) store.setCertificateEntry("mesh-ca-" + i, bundle.get(i));
      return store;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SSL bundle " + BUNDLE_NAME + ": cannot store the trust bundle", e);
    }
  }

  private static KeyStore emptyStore() throws GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try {
      store.load(null, null);
    } catch (java.io.IOException e) {
      throw new GeneralSecurityException(e);
    }
    return store;
  }

  /** A bundle made on first use, then answered from. */
  private static final class DeferredBundle implements SslBundle {
    private final Supplier<SslBundle> make;
    private volatile SslBundle made;

    DeferredBundle(Supplier<SslBundle> make) {
      this.make = make;
    }

    private SslBundle bundle() {
      SslBundle b = made;
      if (b == null) {
        synchronized (this) {
          if (made == null) made = make.get();
          b = made;
        }
      }
      return b;
    }

    @Override
    public SslStoreBundle getStores() {
      return bundle().getStores();
    }

    @Override
    public SslBundleKey getKey() {
      return bundle().getKey();
    }

    @Override
    public SslOptions getOptions() {
      return bundle().getOptions();
    }

    @Override
    public String getProtocol() {
      return bundle().getProtocol();
    }

    @Override
    public SslManagerBundle getManagers() {
      return bundle().getManagers();
    }
  }

  /** A key manager factory that returns one key manager, already made. */
  private static final class FixedKeyManagerFactory extends KeyManagerFactory {
    FixedKeyManagerFactory(KeyManager manager) {
      super(new KeyManagerFactorySpi() {
        @Override
        protected void engineInit(KeyStore ks, char[] password) {}

        @Override
        protected void engineInit(ManagerFactoryParameters spec) {}

        @Override
        protected KeyManager[] engineGetKeyManagers() {
          return new KeyManager[] {manager};
        }
      }, null, "meshwork");
    }
  }

  /** A trust manager factory that returns one trust manager, already made. */
  private static final class FixedTrustManagerFactory extends TrustManagerFactory {
    FixedTrustManagerFactory(TrustManager manager) {
      super(new TrustManagerFactorySpi() {
        @Override
        protected void engineInit(KeyStore ks) {}

        @Override
        protected void engineInit(ManagerFactoryParameters spec) {}

        @Override
        protected TrustManager[] engineGetTrustManagers() {
          return new TrustManager[] {manager};
        }
      }, null, "meshwork");
    }
  }
}
