package io.meshwork.spring.boot;

import io.meshwork.core.Mesh;
import io.meshwork.http.MeshServletFilter;
import jakarta.servlet.Filter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;

/**
 * Inbound HTTP in a servlet application (Spring MVC on Tomcat or Jetty): {@link MeshServletFilter}
 * first in the filter chain, before Spring Security and Boot's own filters, so that every handler
 * runs in the caller's deadline and trace, a request whose deadline has passed is refused before
 * any work, and the caller's verified identity and the service's {@code server.allow} apply. The
 * container's TLS is not configured here yet: with plaintext connectors the caller's identity is
 * absent, and a registry in strict mode refuses every request.
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
}
