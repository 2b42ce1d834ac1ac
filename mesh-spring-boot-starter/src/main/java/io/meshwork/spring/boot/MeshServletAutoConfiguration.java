package io.meshwork.spring.boot;

import io.meshwork.core.Mesh;
import io.meshwork.http.MeshServletFilter;
import jakarta.servlet.Filter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

/**
 * Inbound HTTP in a servlet application (Spring MVC on Tomcat or Jetty): {@link MeshServletFilter}
 * first in the filter chain, before Spring Security and Boot's own filters, so that every handler
 * runs in the caller's deadline and trace, a request whose deadline has passed is refused before
 * any work, and the caller's verified identity and the service's {@code server.allow} apply. The
 * caller's identity comes from the container's TLS: with {@code server.ssl.bundle=meshwork}
 * ({@link MeshSslAutoConfiguration}) the container verifies client certificates against the
 * mesh's trust bundle; with plaintext connectors the identity is absent, and a registry in strict
 * mode refuses every request.
 *
 * <p>With {@code meshwork.server.register} (default true) the web server registers itself in the
 * mesh once it listens and withdraws first on shutdown ({@link MeshServerRegistration}).
 */
@AutoConfiguration(after = MeshAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({Filter.class, FilterRegistrationBean.class, MeshServletFilter.class})
@ConditionalOnBean(Mesh.class)
public class MeshServletAutoConfiguration {

  /** The filter, on every path, ordered first; for requests, not error or async re-dispatches. */
  @Bean
  @ConditionalOnMissingBean(name = "meshServletFilter")
  public FilterRegistrationBean<MeshServletFilter> meshServletFilter(Mesh mesh) {
    FilterRegistrationBean<MeshServletFilter> registration = new FilterRegistrationBean<>(new MeshServletFilter(mesh));
    registration.setName("meshServletFilter");
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
    return registration;
  }

  /** Self-registration of the web server, with spring-boot-web-server on the class path. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(WebServerInitializedEvent.class)
  @ConditionalOnBooleanProperty(name = REGISTER, matchIfMissing = true)
  static class ServerRegistrationConfiguration {

    /**
     * Registers the web server's port once it listens; withdraws it before Boot's graceful
     * shutdown, then waits {@code meshwork.server.withdraw-delay}.
     */
    @Bean
    @ConditionalOnMissingBean
    MeshServerRegistration meshServerRegistration(Mesh mesh, MeshProperties properties, Environment environment) {
      MeshProperties.Server server = properties.getServer();
      Duration delay = server.getWithdrawDelay();
      if (delay == null) delay = properties.getRegistry().getPollInterval().plus(WITHDRAW_MARGIN);
      if (delay.isNegative()) {
        throw new IllegalStateException(WITHDRAW_DELAY + ": " + delay + " (expected: zero or more, e.g. 750ms)");
      }
      return new MeshServerRegistration(mesh, advertisedHost(server.getAdvertiseHost(),
          environment.getProperty(SERVER_ADDRESS)), delay);
    }
  }

  static final String REGISTER = "meshwork.server.register";
  static final String WITHDRAW_DELAY = "meshwork.server.withdraw-delay";
  static final String ADVERTISE_HOST = "meshwork.server.advertise-host";
  static final String SERVER_ADDRESS = "server.address";
  /** Added to the poll interval for the default withdraw delay: a poll's own time, and requests already picked. */
  static final Duration WITHDRAW_MARGIN = Duration.ofMillis(500);

  /**
   * The host to announce: {@code meshwork.server.advertise-host}; else {@code server.address}
   * when it is one address; else 127.0.0.1. Loopback rather than this host's address for a server
   * on every interface: the file registry is shared by the processes of one machine, which reach
   * loopback whatever the host's name resolves to; other machines need an address only the
   * platform knows (a pod IP), given in {@code meshwork.server.advertise-host}.
   */
  static String advertisedHost(String advertiseHost, String serverAddress) {
    if (advertiseHost != null && !advertiseHost.isBlank()) return advertiseHost.strip();
    if (serverAddress == null || serverAddress.isBlank()) return "127.0.0.1";
    InetAddress address;
    try {
      address = InetAddress.getByName(serverAddress.strip());
    } catch (UnknownHostException e) {
      throw new IllegalStateException(SERVER_ADDRESS + ": " + serverAddress + " (expected: an address of this"
          + " host; or set " + ADVERTISE_HOST + ")", e);
    }
    return address.isAnyLocalAddress() ? "127.0.0.1" : address.getHostAddress();
  }
}
