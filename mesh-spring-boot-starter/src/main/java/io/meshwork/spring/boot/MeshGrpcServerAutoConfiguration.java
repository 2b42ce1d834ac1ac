package io.meshwork.spring.boot;

import io.grpc.BindableService;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptor;
import io.grpc.TlsServerCredentials;
import io.grpc.protobuf.services.HealthStatusManager;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.TlsMode;
import io.meshwork.grpc.MeshGrpc;
import io.meshwork.grpc.MeshServerInterceptor;
import io.meshwork.tls.MeshTls;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.grpc.server.autoconfigure.GrpcServerProperties;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.grpc.server.ServerBuilderCustomizer;
import org.springframework.grpc.server.lifecycle.GrpcServerStartedEvent;

/**
 * Boot's gRPC server (spring-boot-grpc-server) on the mesh: its builder gets the mesh's server
 * interceptor ({@link MeshServerInterceptor}: the caller's deadline in the handler's mesh context,
 * the caller's identity, {@code server.allow}, strict mode), added last so it runs before every
 * other interceptor, global ones included; the server has a {@code grpc.health.v1} service (Boot's
 * when it makes one, else the mesh's); and, unless {@code meshwork.server.register=false}, the
 * server's port is registered in the mesh once it listens ({@link MeshGrpcServerRegistration}).
 *
 * <p>With a mesh-tls identity ({@code meshwork.tls.mode} other than {@code none}) and no {@code
 * spring.grpc.server.ssl.*} property set, the server speaks mutual TLS from the mesh identity: it
 * uses the SSL bundle {@code meshwork} ({@link MeshSslBundleRegistrar}), whose key and trust
 * managers are the mesh's own, so the server presents the current certificate at each handshake
 * and checks clients against the current trust bundle and the trust domain (a rotation needs no
 * restart). The client authentication follows the registry's TLS mode at start: {@code strict}
 * requires a client certificate, {@code permissive} accepts one (TLS only: unlike mesh-grpc's
 * own server, Boot's does not also take plaintext on the same port), {@code disabled} leaves the
 * server plaintext. Any {@code spring.grpc.server.ssl.*} setting leaves the server's TLS to Boot
 * and the application.
 */
@AutoConfiguration(after = MeshAutoConfiguration.class,
    afterName = "org.springframework.boot.grpc.server.autoconfigure.health.GrpcServerHealthAutoConfiguration")
@ConditionalOnClass({MeshGrpc.class, ServerBuilderCustomizer.class, GrpcServerStartedEvent.class})
@ConditionalOnBooleanProperty(name = "spring.grpc.server.enabled", matchIfMissing = true)
@ConditionalOnBean(Mesh.class)
public class MeshGrpcServerAutoConfiguration {

  /** Adds the mesh's server interceptor to Boot's server builder. */
  @Bean
  @ConditionalOnMissingBean(name = "meshGrpcServerCustomizer")
  MeshServerCustomizer<?> meshGrpcServerCustomizer(Mesh mesh) {
    return new MeshServerCustomizer<>(mesh);
  }

  /**
   * The health service, when the application serves gRPC services and Boot's health
   * auto-configuration made none (it normally does). Not for an application without services, to
   * which a health service would add a gRPC server.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(HealthStatusManager.class)
  @ConditionalOnBean(BindableService.class)
  @ConditionalOnMissingBean(HealthStatusManager.class)
  @ConditionalOnBooleanProperty(name = "spring.grpc.server.health.enabled", matchIfMissing = true)
  static class HealthConfiguration {
    @Bean
    HealthStatusManager meshGrpcHealthStatusManager() {
      return new HealthStatusManager();
    }

    @Bean
    BindableService meshGrpcHealthService(HealthStatusManager meshGrpcHealthStatusManager) {
      return meshGrpcHealthStatusManager.getHealthService();
    }
  }

  /** Mutual TLS on Boot's gRPC server from the mesh identity, unless the application configures its TLS. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(GrpcServerProperties.class)
  static class SslConfiguration {
    @Bean
    static BeanPostProcessor meshGrpcServerSsl(ObjectProvider<Mesh> mesh, ObjectProvider<SslBundles> bundles,
        Environment environment) {
      return new ServerSsl(mesh, bundles, environment);
    }
  }

  /** Self-registration of the gRPC server. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnBooleanProperty(name = Names.REGISTER, matchIfMissing = true)
  static class RegistrationConfiguration {
    /** Registers the gRPC port once the server listens; withdraws it first when the context closes. */
    @Bean
    @ConditionalOnMissingBean
    MeshGrpcServerRegistration meshGrpcServerRegistration(Mesh mesh, MeshProperties properties) {
      MeshProperties.Server server = properties.getServer();
      Duration delay = server.getWithdrawDelay();
      if (delay == null) delay = properties.getRegistry().getPollInterval().plus(Duration.ofMillis(500));
      if (delay.isNegative()) {
        throw new IllegalStateException(Names.WITHDRAW_DELAY + ": " + delay
            + " (expected: zero or more, e.g. 750ms)");
      }
      return new MeshGrpcServerRegistration(mesh, server.getAdvertiseHost(), delay);
    }
  }

  /** The builder customizer; ordered last, so that the mesh's interceptor is added last and runs first. */
  static final class MeshServerCustomizer<T extends ServerBuilder<T>> implements ServerBuilderCustomizer<T>, Ordered {
    private final List<ServerInterceptor> interceptors;

    MeshServerCustomizer(Mesh mesh) {
      this.interceptors = List.of(MeshGrpc.serverInterceptor(mesh));
    }

    @Override
    public void customize(T builder) {
      interceptors.forEach(builder::intercept);
    }

    @Override
    public int getOrder() {
      return Ordered.LOWEST_PRECEDENCE;
    }
  }

  /**
   * Sets Boot's {@code spring.grpc.server.ssl} to the {@code meshwork} bundle, with the client
   * authentication of the registry's mode, once the properties are bound; ordered after the
   * binding.
   */
  static final class ServerSsl implements BeanPostProcessor, Ordered {
    private static final Logger log = LoggerFactory.getLogger(ServerSsl.class);
    static final String PREFIX = "spring.grpc.server.ssl";

    private final ObjectProvider<Mesh> mesh;
    private final ObjectProvider<SslBundles> bundles;
    private final Environment environment;

    ServerSsl(ObjectProvider<Mesh> mesh, ObjectProvider<SslBundles> bundles, Environment environment) {
      this.mesh = mesh;
      this.bundles = bundles;
      this.environment = environment;
    }

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) {
      if (bean instanceof GrpcServerProperties properties && !configuredByTheApplication()) {
        Mesh m = mesh.getIfUnique();
        if (m != null && MeshTls.of(m).isPresent()) {
          SslBundles registered = bundles.getIfUnique();
          if (registered != null && registered.getBundleNames().contains(MeshSslBundleRegistrar.BUNDLE_NAME)) {
            apply(properties.getSsl(), m);
          } else {
            log.warn("{}: Boot's gRPC server stays plaintext: there is no SSL bundle {} (MeshSslAutoConfiguration"
                + " or SslAutoConfiguration excluded?); set spring.grpc.server.ssl.* for its TLS",
                m.serviceName(), MeshSslBundleRegistrar.BUNDLE_NAME);
          }
        }
      }
      return bean;
    }

    /** Whether any {@code spring.grpc.server.ssl.*} property is set. */
    boolean configuredByTheApplication() {
      return Binder.get(environment).bind(PREFIX, Bindable.mapOf(String.class, Object.class))
          .map(Map::isEmpty).map(empty -> !empty).orElse(false);
    }

    static void apply(GrpcServerProperties.Ssl ssl, Mesh mesh) {
      TlsServerCredentials.ClientAuth auth = clientAuth(mesh.settings().tls());
      if (auth == null) return;
      ssl.setBundle(MeshSslBundleRegistrar.BUNDLE_NAME);
      ssl.setClientAuth(auth);
      ssl.setSecure(true);
    }

    @Override
    public int getOrder() {
      return Ordered.LOWEST_PRECEDENCE;
    }
  }

  /** The client authentication for a mode, or null for plaintext ({@code disabled}). */
  static TlsServerCredentials.ClientAuth clientAuth(TlsMode mode) {
    return switch (mode) {
      case STRICT -> TlsServerCredentials.ClientAuth.REQUIRE;
      case PERMISSIVE -> TlsServerCredentials.ClientAuth.OPTIONAL;
      case DISABLED -> null;
    };
  }

  /** Property names, as on the servlet side. */
  static final class Names {
    static final String REGISTER = "meshwork.server.register";
    static final String WITHDRAW_DELAY = "meshwork.server.withdraw-delay";

    private Names() {}
  }
}
