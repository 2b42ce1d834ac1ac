package io.meshwork.spring.boot;

import io.meshwork.admin.MeshAdmin;
import io.meshwork.admin.MeshState;
import io.meshwork.core.Mesh;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * mesh-admin in a Boot application: the {@link MeshState} (the state document that Actuator's
 * {@code meshwork} endpoint and the admin server serve, with its golden-metrics recorder) and,
 * with {@code meshwork.admin.enabled=true}, the admin server itself ({@link MeshAdmin}: dashboard,
 * state.json, Prometheus, event stream) on {@code meshwork.admin.port}, bound to {@code
 * meshwork.admin.bind-address} (127.0.0.1 by default). The admin server is started before the
 * web server registers this process, so that its registrations announce the admin port.
 */
@AutoConfiguration(after = MeshAutoConfiguration.class)
@ConditionalOnClass({Mesh.class, MeshState.class})
@ConditionalOnBooleanProperty(name = "meshwork.enabled", matchIfMissing = true)
@ConditionalOnBean(Mesh.class)
@EnableConfigurationProperties(MeshProperties.class)
public class MeshAdminAutoConfiguration {

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  MeshState meshState(Mesh mesh) {
    return MeshState.start(mesh);
  }

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  @ConditionalOnBooleanProperty(name = "meshwork.admin.enabled")
  MeshAdmin meshAdmin(Mesh mesh, MeshProperties properties) {
    MeshProperties.Admin admin = properties.getAdmin();
    InetAddress bind;
    try {
      bind = InetAddress.getByName(admin.getBindAddress());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("meshwork.admin.bind-address: " + admin.getBindAddress()
          + " is not an address of this machine (expected e.g. 127.0.0.1)", e);
    }
    return MeshAdmin.builder(mesh).port(admin.getPort()).bindAddress(bind).start();
  }
}
