package io.meshwork.spring.boot;

import io.meshwork.admin.MeshState;
import io.meshwork.core.Mesh;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Spring Boot Actuator for the mesh: the {@code meshwork} endpoint ({@link MeshEndpoint}, when
 * Actuator is on the class path and the endpoint is exposed; it serves mesh-admin's {@link
 * MeshState} document, from the {@code MeshState} bean of {@link MeshAdminAutoConfiguration}) and the {@code meshwork} health
 * indicator ({@link MeshHealthIndicator}, when spring-boot-health is on the class path and {@code
 * management.health.meshwork.enabled} is not {@code false}). The mesh's meters need nothing here:
 * the {@code Mesh} bean already records into Boot's {@code MeterRegistry}. Off with {@code
 * meshwork.enabled=false}, like the rest of the starter, even when the application makes its own
 * {@code Mesh}.
 */
@AutoConfiguration(after = {MeshAutoConfiguration.class, MeshAdminAutoConfiguration.class})
@ConditionalOnClass(Mesh.class)
@ConditionalOnBooleanProperty(name = "meshwork.enabled", matchIfMissing = true)
@ConditionalOnBean(Mesh.class)
@EnableConfigurationProperties(MeshProperties.class)
public class MeshActuatorAutoConfiguration {

  /** The {@code meshwork} endpoint. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
  static class EndpointConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint(MeshEndpoint.class)
    MeshEndpoint meshEndpoint(ObjectProvider<MeshState> state) {
      return new MeshEndpoint(state.getObject());
    }
  }

  /** The {@code meshwork} health indicator. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class})
  static class HealthConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "meshworkHealthIndicator")
    @ConditionalOnEnabledHealthIndicator("meshwork")
    MeshHealthIndicator meshworkHealthIndicator(Mesh mesh, MeshProperties properties) {
      return new MeshHealthIndicator(mesh, properties.getHealth().getCertificateExpiryWarning());
    }
  }
}
