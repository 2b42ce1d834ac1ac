package io.meshwork.spring.boot;

import io.meshwork.core.Mesh;
import io.meshwork.http.MeshHttp;
import okhttp3.OkHttpClient;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.web.client.RestClient;

/**
 * Outgoing HTTP through the mesh: the mesh's {@link OkHttpClient} ({@code MeshHttp.client(mesh)}),
 * an {@link OkHttpClientHttpRequestFactory} over it, and a {@link RestClientCustomizer} that gives
 * every {@code RestClient} built from Boot's {@code RestClient.Builder} that factory, so {@code
 * http://greeter/...} is a call to the mesh service {@code greeter}. URLs whose host is not a
 * service in the registry (an IP address, {@code localhost}, an external name) go out unchanged.
 *
 * <p>Each bean backs off for one of the application's: define an {@code OkHttpClient} built with
 * {@code MeshHttp.configure(mesh, builder)} to add interceptors or change timeouts.
 */
@AutoConfiguration(after = MeshAutoConfiguration.class,
    beforeName = "org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration")
@ConditionalOnClass({OkHttpClient.class, MeshHttp.class})
@ConditionalOnBean(Mesh.class)
public class MeshHttpAutoConfiguration {

  /** The mesh's OkHttp client ({@code MeshHttp.client(mesh)}). */
  @Bean
  @ConditionalOnMissingBean
  public OkHttpClient meshOkHttpClient(Mesh mesh) {
    return MeshHttp.client(mesh);
  }

  /** Bridges the client to Spring's HTTP clients. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(RestClient.class)
  static class SpringClients {

    @Bean
    @ConditionalOnMissingBean
    OkHttpClientHttpRequestFactory meshClientHttpRequestFactory(OkHttpClient client) {
      return new OkHttpClientHttpRequestFactory(client);
    }

  }

  /**
   * HTTP service groups named after mesh services ({@code @ImportHttpServices(group = "greeter")})
   * call through the mesh ({@link MeshHttpServiceGroups}).
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.web.client.support.RestClientHttpServiceGroupConfigurer",
      value = RestClient.class)
  static class HttpServiceGroups {
    @Bean
    @ConditionalOnMissingBean(name = "meshHttpServiceGroupConfigurer")
    MeshHttpServiceGroups meshHttpServiceGroupConfigurer(Mesh mesh, OkHttpClientHttpRequestFactory factory,
        Environment environment) {
      return new MeshHttpServiceGroups(mesh, factory, environment);
    }
  }

  /**
   * Boot's {@code RestClient.Builder} through the mesh, when spring-boot-restclient is present. A
   * class of its own, with the condition by name: a bean method whose return type is missing from
   * the class path fails the whole configuration class when Spring introspects it (an
   * application with spring-webmvc but not spring-boot-restclient did not start).
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.restclient.RestClientCustomizer", value = RestClient.class)
  static class BootRestClient {
    @Bean
    @ConditionalOnMissingBean(name = "meshRestClientCustomizer")
    RestClientCustomizer meshRestClientCustomizer(OkHttpClientHttpRequestFactory factory) {
      return builder -> builder.requestFactory(factory);
    }
  }
}
