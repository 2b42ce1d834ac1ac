package io.meshwork.spring.boot;

import io.grpc.BindableService;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptor;
import io.grpc.protobuf.services.HealthStatusManager;
import io.meshwork.core.Mesh;
import io.meshwork.grpc.MeshGrpc;
import io.meshwork.grpc.MeshServerInterceptor;
import java.util.List;
import java.time.Duration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.grpc.server.ServerBuilderCustomizer;
import org.springframework.grpc.server.lifecycle.GrpcServerStartedEvent;

/**
 * Boot's gRPC server (spring-boot-grpc-server) on the mesh: its builder gets the mesh's server
 * interceptor ({@link MeshServerInterceptor}: the caller's deadline in the handler's mesh context,
 * the caller's identity, {@code server.allow}, strict mode), added last so it runs before every
 * other interceptor, global ones included; the server has a {@code grpc.health.v1} service (Boot's
 * when it makes one, else the mesh's); and, unless {@code meshwork.server.register=false}, the
 * server's port is registered in the mesh once it listens ({@link MeshGrpcServerRegistration}).
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

  /** Property names, as on the servlet side. */
  static final class Names {
    static final String REGISTER = "meshwork.server.register";
    static final String WITHDRAW_DELAY = "meshwork.server.withdraw-delay";

    private Names() {}
  }
}
