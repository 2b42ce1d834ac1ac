package io.meshwork.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.Mesh;
import io.meshwork.core.model.TlsMode;
import io.meshwork.tls.MeshTls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundleRegistry;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.ApplicationContext;

class MeshSslAutoConfigurationTest {
  @TempDir Path dir;

  private ApplicationContextRunner runner(String mode) throws IOException {
    Path registry = dir.resolve("mesh.yaml");
    Files.writeString(registry, "mesh:\n  trustDomain: boot.test\n  tls: " + mode + "\nservices: {}\n");
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, MeshAutoConfiguration.class,
            MeshSslAutoConfiguration.class))
        .withPropertyValues("meshwork.service-name=greeter", "meshwork.registry.file=" + registry,
            "meshwork.tls.mode=development-ca");
  }

  private WebApplicationContextRunner web(String mode) throws IOException {
    Path registry = dir.resolve("mesh.yaml");
    Files.writeString(registry, "mesh:\n  trustDomain: boot.test\n  tls: " + mode + "\nservices: {}\n");
    return new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, MeshAutoConfiguration.class,
            MeshSslAutoConfiguration.class))
        .withPropertyValues("meshwork.service-name=greeter", "meshwork.registry.file=" + registry,
            "meshwork.tls.mode=development-ca");
  }

  @Test
  void theMeshworkBundleHoldsTheMeshIdentityForTls13() throws Exception {
    runner("strict").run(context -> {
      MeshTls tls = MeshTls.of(context.getBean(Mesh.class)).orElseThrow();
      SslBundle bundle = context.getBean(SslBundles.class).getBundle("meshwork");
      assertThat(bundle.getProtocol()).isEqualTo(MeshTls.PROTOCOL);
      assertThat(bundle.getOptions().getEnabledProtocols()).containsExactly(MeshTls.PROTOCOL);
      assertThat(bundle.getKey().getAlias()).isEqualTo(MeshSslBundleRegistrar.KEY_ALIAS);
      KeyStore keys = bundle.getStores().getKeyStore();
      X509Certificate leaf = (X509Certificate) keys.getCertificate(MeshSslBundleRegistrar.KEY_ALIAS);
      assertThat(leaf).isEqualTo(tls.identity().current().leaf());
      assertThat(keys.getKey(MeshSslBundleRegistrar.KEY_ALIAS, bundle.getKey().getPassword().toCharArray()))
          .isEqualTo(tls.identity().current().privateKey());
      KeyStore trust = bundle.getStores().getTrustStore();
      assertThat(trust.size()).isEqualTo(tls.identity().current().trustBundle().size());
      // The managers are the mesh's: the key manager presents the mesh's certificate.
      assertThat(bundle.getManagers().getKeyManagers()).containsExactly(tls.keyManager());
      assertThat(bundle.createSslContext().getProtocol()).isEqualTo(MeshTls.PROTOCOL);
    });
  }

  @Test
  void aRotationUpdatesTheBundleInTheRegistry() throws Exception {
    runner("strict").run(context -> {
      MeshTls tls = MeshTls.of(context.getBean(Mesh.class)).orElseThrow();
      List<SslBundle> updates = new ArrayList<>();
      context.getBean(SslBundles.class).addBundleUpdateHandler("meshwork", updates::add);

      assertThat(tls.identity().rotateNow()).isTrue();

      assertThat(updates).hasSize(1);
      X509Certificate leaf = (X509Certificate) updates.get(0).getStores().getKeyStore()
          .getCertificate(MeshSslBundleRegistrar.KEY_ALIAS);
      assertThat(leaf).isEqualTo(tls.identity().current().leaf());
      assertThat(context.getBean(SslBundles.class).getBundle("meshwork")).isSameAs(updates.get(0));
    });
  }

  @Test
  void withoutAnIdentityThereIsNoBundle() throws Exception {
    runner("permissive").withPropertyValues("meshwork.tls.mode=none").run(context -> {
      assertThat(context).hasNotFailed().hasSingleBean(MeshSslBundleRegistrar.class);
      assertThat(context.getBean(SslBundles.class).getBundleNames()).doesNotContain("meshwork");
    });
  }

  @Test
  void meshworkEnabledFalseRegistersNothing() throws Exception {
    runner("strict").withPropertyValues("meshwork.enabled=false").run(context -> {
      assertThat(context).hasNotFailed().doesNotHaveBean(MeshSslBundleRegistrar.class);
      assertThat(context.getBean(SslBundles.class).getBundleNames()).doesNotContain("meshwork");
    });
  }

  @Test
  void backsOffForTheApplicationsOwnRegistrar() throws Exception {
    runner("strict").withBean("own", MeshSslBundleRegistrar.class, () -> new MeshSslBundleRegistrar(null) {
      @Override
      public void registerBundles(SslBundleRegistry registry) {}
    }).run(context -> {
      assertThat(context).hasSingleBean(MeshSslBundleRegistrar.class).hasBean("own");
      assertThat(context.getBean(SslBundles.class).getBundleNames()).doesNotContain("meshwork");
    });
  }

  @Test
  void strictRequiresAClientCertificate() throws Exception {
    web("strict").run(context -> assertThat(clientAuth(context, Ssl.forBundle("meshwork")))
        .isEqualTo(Ssl.ClientAuth.NEED));
  }

  @Test
  void permissiveAsksForOne() throws Exception {
    web("permissive").run(context -> assertThat(clientAuth(context, Ssl.forBundle("meshwork")))
        .isEqualTo(Ssl.ClientAuth.WANT));
  }

  @Test
  void theApplicationsClientAuthAndOtherBundlesAreLeftAlone() throws Exception {
    web("strict").run(context -> {
      Ssl own = Ssl.forBundle("meshwork");
      own.setClientAuth(Ssl.ClientAuth.WANT);
      assertThat(clientAuth(context, own)).isEqualTo(Ssl.ClientAuth.WANT);
      assertThat(clientAuth(context, Ssl.forBundle("other"))).isNull();
    });
  }

  @Test
  void theModesMapToClientAuthentication() {
    assertThat(MeshSslAutoConfiguration.clientAuth(TlsMode.STRICT)).isEqualTo(Ssl.ClientAuth.NEED);
    assertThat(MeshSslAutoConfiguration.clientAuth(TlsMode.PERMISSIVE)).isEqualTo(Ssl.ClientAuth.WANT);
    assertThat(MeshSslAutoConfiguration.clientAuth(TlsMode.DISABLED)).isEqualTo(Ssl.ClientAuth.NONE);
  }

  @Test
  void theMeshworkBundleWithoutAnIdentityFailsWithAMessageThatNamesTheProperty() throws Exception {
    web("strict").withPropertyValues("meshwork.tls.mode=none").run(context -> {
      AtomicReference<Throwable> failure = new AtomicReference<>();
      try {
        clientAuth(context, Ssl.forBundle("meshwork"));
      } catch (IllegalStateException e) {
        failure.set(e);
      }
      assertThat(failure.get()).hasMessageStartingWith("server.ssl.bundle: meshwork (expected: a mesh with a"
          + " workload identity").hasMessageContaining("meshwork.tls.mode");
      assertThat(context.getBean(SslBundles.class).getBundleNames()).doesNotContain("meshwork");
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> context.getBean(SslBundles.class).getBundle("meshwork"))
          .isInstanceOf(NoSuchSslBundleException.class);
    });
  }

  @SuppressWarnings("unchecked")
  private static Ssl.ClientAuth clientAuth(ApplicationContext context, Ssl ssl) {
    TomcatServletWebServerFactory factory = new TomcatServletWebServerFactory();
    factory.setSsl(ssl);
    context.getBean("meshSslClientAuthCustomizer", WebServerFactoryCustomizer.class).customize(factory);
    return factory.getSsl().getClientAuth();
  }
}
