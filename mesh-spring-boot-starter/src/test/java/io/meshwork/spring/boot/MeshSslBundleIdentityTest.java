package io.meshwork.spring.boot;

import static io.meshwork.spring.boot.MeshAutoConfigurationTest.messages;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.Mesh;
import io.meshwork.tls.DevCertificateAuthority;
import io.meshwork.tls.IdentityException;
import io.meshwork.tls.IdentityListener;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.SpiffeId;
import io.meshwork.tls.WorkloadCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundleRegistry;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** {@code meshwork.tls.mode=ssl-bundle}: the mesh identity from a named Spring SSL bundle. */
class MeshSslBundleIdentityTest {
  @TempDir Path dir;
  DevCertificateAuthority ca;
  BundlePems pems;
  Path registry;

  @BeforeEach
  void setUp() throws Exception {
    ca = DevCertificateAuthority.open(dir.resolve("ca"));
    pems = new BundlePems(Files.createDirectories(dir.resolve("web")));
    registry = dir.resolve("mesh.yaml");
    Files.writeString(registry, "mesh:\n  trustDomain: boot.test\n  tls: strict\nservices: {}\n");
  }

  private WorkloadCertificate issue(String service) {
    return ca.issue(SpiffeId.forService("boot.test", service), Duration.ofHours(1));
  }

  private ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, MeshAutoConfiguration.class,
            MeshSslAutoConfiguration.class))
        .withPropertyValues("meshwork.service-name=greeter", "meshwork.registry.file=" + registry,
            "meshwork.tls.mode=ssl-bundle", "meshwork.tls.bundle=web")
        .withPropertyValues(pems.properties("web"));
  }

  @Test
  void theMeshIdentityIsTheBundlesKeyChainAndTrustStore() throws Exception {
    WorkloadCertificate issued = issue("greeter");
    pems.write(issued);
    runner().run(context -> {
      assertThat(context).hasNotFailed();
      MeshTls tls = MeshTls.of(context.getBean(Mesh.class)).orElseThrow();
      assertThat(tls.spiffeId()).isEqualTo("spiffe://boot.test/service/greeter");
      assertThat(tls.identity().current().leaf()).isEqualTo(issued.leaf());
      assertThat(tls.identity().current().privateKey().getEncoded()).isEqualTo(issued.privateKey().getEncoded());
      assertThat(tls.identity().current().trustBundle()).containsExactlyElementsOf(ca.trustBundle());
      // The meshwork bundle (made on first use here) carries the same identity.
      SslBundle meshwork = context.getBean(SslBundles.class).getBundle("meshwork");
      assertThat(meshwork.getStores().getKeyStore().getCertificate(MeshSslBundleRegistrar.KEY_ALIAS))
          .isEqualTo(issued.leaf());
      assertThat(meshwork.getManagers().getKeyManagers()).containsExactly(tls.keyManager());
    });
  }

  @Test
  void anUpdateOfTheBundleBecomesTheMeshIdentityAndTheMeshworkBundle() throws Exception {
    pems.write(issue("greeter"));
    runner().run(context -> {
      MeshTls tls = MeshTls.of(context.getBean(Mesh.class)).orElseThrow();
      SslBundles bundles = context.getBean(SslBundles.class);
      bundles.getBundle("meshwork").getStores(); // in use, as by a web server
      List<SslBundle> meshworkUpdates = new ArrayList<>();
      bundles.addBundleUpdateHandler("meshwork", meshworkUpdates::add);
      List<String> failures = new ArrayList<>();
      tls.identity().addListener(new IdentityListener() {
        @Override
        public void certificateChanged(WorkloadCertificate previous, WorkloadCertificate current) {}

        @Override
        public void refreshFailed(IdentityException e) {
          failures.add(e.getMessage());
        }
      });

      WorkloadCertificate next = issue("greeter");
      context.getBean(SslBundleRegistry.class).updateBundle("web", pemBundle(next.chainPem(),
          next.privateKeyPem(), next.trustBundlePem()));

      assertThat(tls.identity().current().leaf()).isEqualTo(next.leaf());
      assertThat(meshworkUpdates).hasSize(1);
      assertThat(meshworkUpdates.get(0).getStores().getKeyStore().getCertificate(MeshSslBundleRegistrar.KEY_ALIAS))
          .isEqualTo(next.leaf());

      // An update without a SPIFFE ID is refused: the identity stays, the listeners hear why.
      String[] bad = BundlePems.withoutSpiffeId();
      context.getBean(SslBundleRegistry.class).updateBundle("web", pemBundle(bad[0], bad[1], bad[2]));
      assertThat(tls.identity().current().leaf()).isEqualTo(next.leaf());
      assertThat(failures).singleElement().asString().contains("SSL bundle 'web'");
      assertThat(meshworkUpdates).hasSize(1);
    });
  }

  @Test
  void aJksBundleWorksToo() throws Exception {
    WorkloadCertificate issued = issue("greeter");
    Path keyStore = dir.resolve("greeter.p12");
    Path trustStore = dir.resolve("trust.p12");
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("greeter", issued.privateKey(), "secret".toCharArray(),
        issued.chain().toArray(X509Certificate[]::new));
    try (var out = Files.newOutputStream(keyStore)) {
      keys.store(out, "secret".toCharArray());
    }
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca.trustBundle().get(0));
    try (var out = Files.newOutputStream(trustStore)) {
      trust.store(out, "secret".toCharArray());
    }
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, MeshAutoConfiguration.class,
            MeshSslAutoConfiguration.class))
        .withPropertyValues("meshwork.service-name=greeter", "meshwork.registry.file=" + registry,
            "meshwork.tls.mode=ssl-bundle", "meshwork.tls.bundle=jks",
            "spring.ssl.bundle.jks.jks.keystore.location=file:" + keyStore,
            "spring.ssl.bundle.jks.jks.keystore.password=secret", "spring.ssl.bundle.jks.jks.keystore.type=PKCS12",
            "spring.ssl.bundle.jks.jks.truststore.location=file:" + trustStore,
            "spring.ssl.bundle.jks.jks.truststore.password=secret", "spring.ssl.bundle.jks.jks.truststore.type=PKCS12")
        .run(context -> {
          assertThat(context).hasNotFailed();
          MeshTls tls = MeshTls.of(context.getBean(Mesh.class)).orElseThrow();
          assertThat(tls.identity().current().leaf()).isEqualTo(issued.leaf());
          assertThat(tls.identity().current().trustBundle()).containsExactlyElementsOf(ca.trustBundle());
        });
  }

  @Test
  void withoutABundleNameStartUpFailsNamingTheProperty() throws Exception {
    pems.write(issue("greeter"));
    runner().withPropertyValues("meshwork.tls.bundle=").run(context -> assertThat(context).hasFailed()
        .getFailure().satisfies(e -> assertThat(messages(e)).contains("meshwork.tls.bundle: not set (expected:")));
  }

  @Test
  void anUnknownBundleFailsNamingItAndTheProperty() throws Exception {
    pems.write(issue("greeter"));
    runner().withPropertyValues("meshwork.tls.bundle=nope").run(context -> assertThat(context).hasFailed()
        .getFailure().satisfies(e -> assertThat(messages(e))
            .contains("meshwork.tls.bundle: nope (expected: the name of a configured SSL bundle; there are [web])")));
  }

  @Test
  void theMeshworkBundleCannotBeTheIdentitysSource() throws Exception {
    pems.write(issue("greeter"));
    runner().withPropertyValues("meshwork.tls.bundle=meshwork").run(context -> assertThat(context).hasFailed()
        .getFailure().satisfies(e -> assertThat(messages(e))
            .contains("meshwork.tls.bundle: meshwork (expected: a bundle of the application's;")));
  }

  @Test
  void aCertificateWithoutASpiffeIdFailsNamingTheBundleAndTheProperty() throws Exception {
    String[] bad = BundlePems.withoutSpiffeId();
    pems.write(bad[0], bad[1], bad[2]);
    runner().run(context -> assertThat(context).hasFailed().getFailure().satisfies(e -> assertThat(messages(e))
        .contains("meshwork.tls.bundle: web (SSL bundle 'web': ")
        .contains("URI SAN")));
  }

  @Test
  void anotherServicesCertificateFailsNamingTheBundle() throws Exception {
    pems.write(issue("frontend"));
    runner().run(context -> assertThat(context).hasFailed().getFailure().satisfies(e -> assertThat(messages(e))
        .contains("meshwork.tls.bundle: web (identity: spiffe://boot.test/service/frontend (expected:"
            + " spiffe://boot.test/service/greeter")));
  }

  @Test
  void aBundleWithoutATrustStoreFails() throws Exception {
    pems.write(issue("greeter"));
    runner().withPropertyValues("spring.ssl.bundle.pem.web.truststore.certificate=").run(context ->
        assertThat(context).hasFailed().getFailure().satisfies(e -> assertThat(messages(e))
            .contains("meshwork.tls.bundle: web (SSL bundle 'web' has no trust store")));
  }

  private static SslBundle pemBundle(String chain, String key, String trust) {
    return SslBundle.of(new PemSslStoreBundle(PemSslStoreDetails.forCertificate(chain).withPrivateKey(key),
        PemSslStoreDetails.forCertificate(trust)));
  }
}
