package io.meshwork.spring.boot;

import io.meshwork.core.Mesh;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.PeerIdentityPolicy;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.springframework.boot.jetty.ConfigurableJettyWebServerFactory;
import org.springframework.boot.web.server.AbstractConfigurableWebServerFactory;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;

/**
 * Makes Jetty on the {@code meshwork} SSL bundle use the mesh's own server TLS context instead of
 * one built from the bundle's key and trust stores. Boot's Jetty reads the stores once and, unlike
 * its Tomcat, does not reload a bundle when it is updated; the mesh's context presents the current
 * certificate at each handshake, checks clients against the current trust bundle and the trust
 * domain, and never resumes sessions. It also turns off Jetty's SNI host check, which compares
 * the request's host with the names in the server's certificate: mesh calls go to an address,
 * and the certificate names a service ({@code CN=greeter}), so Jetty would answer them 400
 * Invalid SNI. The mesh verifies identities, not host names.
 *
 * <p>Jetty still applies {@code Ssl.clientAuth} (need or want) and the bundle's protocols to each
 * connection.
 */
final class MeshJettySslCustomizer implements WebServerFactoryCustomizer<ConfigurableJettyWebServerFactory> {
  private final Mesh mesh;

  MeshJettySslCustomizer(Mesh mesh) {
    this.mesh = mesh;
  }

  @Override
  public void customize(ConfigurableJettyWebServerFactory factory) {
    if (!(factory instanceof AbstractConfigurableWebServerFactory f)) return;
    // Checked when the server is made, once every customizer has set server.ssl.*.
    factory.addServerCustomizers(server -> {
      Ssl ssl = f.getSsl();
      if (!Ssl.isEnabled(ssl) || !MeshSslBundleRegistrar.BUNDLE_NAME.equals(ssl.getBundle())) return;
      MeshTls tls = MeshTls.of(mesh).orElseThrow(() -> new IllegalStateException(
          MeshSslAutoConfiguration.SERVER_SSL_BUNDLE + ": " + MeshSslBundleRegistrar.BUNDLE_NAME
              + " (expected: a mesh with a workload identity)"));
      // Optional here; Jetty raises it to required when Ssl.clientAuth is NEED.
      var context = tls.serverContext(MeshTls.ClientAuth.OPTIONAL, PeerIdentityPolicy.trustDomain(tls.trustDomain()));
      for (Connector connector : server.getConnectors()) {
        SslConnectionFactory tlsFactory = connector.getConnectionFactory(SslConnectionFactory.class);
        if (tlsFactory == null) continue;
        tlsFactory.getSslContextFactory().setSslContext(context);
        HttpConnectionFactory http = connector.getConnectionFactory(HttpConnectionFactory.class);
        SecureRequestCustomizer secure = http == null ? null
            : http.getHttpConfiguration().getCustomizer(SecureRequestCustomizer.class);
        if (secure != null) secure.setSniHostCheck(false);
      }
    });
  }
}
