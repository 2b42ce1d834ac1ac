package io.meshwork.spring.boot;

import io.meshwork.core.Mesh;
import io.meshwork.core.model.TlsMode;
import io.meshwork.tls.MeshTls;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.ssl.SslBundleRegistrar;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.web.server.AbstractConfigurableWebServerFactory;
import org.springframework.boot.web.server.ConfigurableWebServerFactory;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * The mesh's identity as the Spring SSL bundle {@code meshwork} ({@link MeshSslBundleRegistrar}),
 * so that {@code server.ssl.bundle=meshwork} makes the embedded web server speak mutual TLS with
 * the mesh's certificate. In a web application whose server uses that bundle, the client
 * authentication follows the registry's TLS mode at start, unless {@code server.ssl.client-auth}
 * is set: {@code strict} requires a client certificate, {@code permissive} asks for one.
 */
@AutoConfiguration(after = MeshAutoConfiguration.class)
@ConditionalOnClass({Mesh.class, MeshTls.class, SslBundle.class, SslBundleRegistrar.class})
@ConditionalOnBean(Mesh.class)
public class MeshSslAutoConfiguration {

  static final String SERVER_SSL_BUNDLE = "server.ssl.bundle";

  /**
   * Registers the {@code meshwork} bundle when the mesh has a mesh-tls identity. With {@code
   * meshwork.tls.mode=ssl-bundle} the mesh needs Boot's bundles to be made, so the bundle looks
   * the mesh up on first use instead.
   */
  @Bean
  @ConditionalOnMissingBean
  public MeshSslBundleRegistrar meshSslBundleRegistrar(ObjectProvider<Mesh> mesh,
      ObjectProvider<MeshProperties> properties) {
    MeshProperties p = properties.getIfAvailable();
    if (p != null && p.getTls().getMode() == MeshProperties.TlsMode.SSL_BUNDLE) {
      return MeshSslBundleRegistrar.deferred(mesh::getObject);
    }
    return new MeshSslBundleRegistrar(mesh.getObject());
  }

  /** Client authentication for a web server on the {@code meshwork} bundle. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication
  @ConditionalOnClass(WebServerFactoryCustomizer.class)
  static class WebServerConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "meshSslClientAuthCustomizer")
    WebServerFactoryCustomizer<ConfigurableWebServerFactory> meshSslClientAuthCustomizer(Mesh mesh) {
      return new ClientAuthCustomizer(mesh);
    }
  }

  /** Jetty on the {@code meshwork} bundle: the mesh's own TLS context ({@link MeshJettySslCustomizer}). */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication
  @ConditionalOnClass(name = {"org.springframework.boot.jetty.ConfigurableJettyWebServerFactory",
      "org.eclipse.jetty.server.SslConnectionFactory"})
  static class JettyConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "meshSslJettyCustomizer")
    MeshJettySslCustomizer meshSslJettyCustomizer(Mesh mesh) {
      return new MeshJettySslCustomizer(mesh);
    }
  }

  /**
   * Sets {@code Ssl.clientAuth} from the registry's TLS mode when the server uses the {@code
   * meshwork} bundle and the application left it unset. Runs after Boot's customizer, which
   * copies {@code server.ssl.*} into the factory.
   */
  static final class ClientAuthCustomizer implements WebServerFactoryCustomizer<ConfigurableWebServerFactory>, Ordered {
    private final Mesh mesh;

    ClientAuthCustomizer(Mesh mesh) {
      this.mesh = mesh;
    }

    @Override
    public void customize(ConfigurableWebServerFactory factory) {
      if (!(factory instanceof AbstractConfigurableWebServerFactory f)) return;
      Ssl ssl = f.getSsl();
      if (!Ssl.isEnabled(ssl) || !MeshSslBundleRegistrar.BUNDLE_NAME.equals(ssl.getBundle())) return;
      if (MeshTls.of(mesh).isEmpty()) {
        throw new IllegalStateException(SERVER_SSL_BUNDLE + ": " + MeshSslBundleRegistrar.BUNDLE_NAME
            + " (expected: a mesh with a workload identity for this bundle; set meshwork.tls.mode to"
            + " development-ca, pem or ssl-bundle)");
      }
      if (ssl.getClientAuth() == null) ssl.setClientAuth(clientAuth(mesh.settings().tls()));
    }

    @Override
    public int getOrder() {
      return Ordered.LOWEST_PRECEDENCE;
    }
  }

  /**
   * The client authentication for a mode: a certificate required in {@code strict}, asked for in
   * {@code permissive} (a caller without one still gets in, as a plaintext caller would), not
   * asked for in {@code disabled}.
   */
  static Ssl.ClientAuth clientAuth(TlsMode mode) {
    return switch (mode) {
      case STRICT -> Ssl.ClientAuth.NEED;
      case PERMISSIVE -> Ssl.ClientAuth.WANT;
      case DISABLED -> Ssl.ClientAuth.NONE;
    };
  }
}
