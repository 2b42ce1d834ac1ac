package io.meshwork.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshwork.core.Mesh;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.core.registry.Registry;
import io.meshwork.http.MeshHttp;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.HttpServerErrorException;
import org.springframework.web.client.RestClient;

class MeshHttpAutoConfigurationTest {
  Greeter greeter;
  ApplicationContextRunner runner;

  @BeforeEach
  void startGreeter() throws Exception {
    greeter = new Greeter();
    runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class,
            MeshHttpAutoConfiguration.class, RestClientAutoConfiguration.class))
        .withUserConfiguration(Infrastructure.class)
        .withBean("greeterPort", Integer.class, greeter::port)
        .withPropertyValues("meshwork.service-name=frontend");
  }

  @AfterEach
  void stopGreeter() {
    greeter.close();
  }

  @Test
  void restClientsFromBootsBuilderCallMeshServicesByName() {
    runner.run(context -> {
      RestClient client = context.getBean(RestClient.Builder.class).build();
      ResponseEntity<String> r = client.get().uri("http://greeter/hello?to=spring").retrieve().toEntity(String.class);
      assertThat(r.getBody()).isEqualTo("hello /hello?to=spring");
      assertThat(r.getHeaders().getFirst("X-Greeter")).isEqualTo("yes");
      assertThat(greeter.seen).singleElement().satisfies(s -> assertThat(s.timeoutHeader()).isNotNull());
      MeterRegistry meters = context.getBean(MeterRegistry.class);
      assertThat(meters.find("mesh.client.requests").tag("service", "greeter").timer())
          .isNotNull().extracting(t -> t.count()).isEqualTo(1L);
    });
  }

  @Test
  void bodiesHeadersAndErrorStatusesCrossTheFactory() {
    runner.run(context -> {
      RestClient client = context.getBean(RestClient.Builder.class).baseUrl("http://greeter").build();
      String answer = client.post().uri("/greet").contentType(MediaType.TEXT_PLAIN).body("mesh")
          .retrieve().body(String.class);
      assertThat(answer).isEqualTo("hello mesh");
      assertThat(greeter.seen.get(0).method()).isEqualTo("POST");
      assertThat(greeter.seen.get(0).contentType()).startsWith("text/plain");
      String empty = client.post().uri("/empty").retrieve().body(String.class);
      assertThat(empty).isEqualTo("hello /empty");
      assertThatThrownBy(() -> client.get().uri("/missing").retrieve().body(String.class))
          .isInstanceOf(HttpClientErrorException.NotFound.class);
    });
  }

  @Test
  void aPostWithTheIdempotentAttributeIsRetriedAfterA503() {
    runner.run(context -> {
      RestClient client = context.getBean(RestClient.Builder.class).baseUrl("http://greeter").build();
      greeter.failNext.set(1);
      String answer = client.post().uri("/orders").attribute(OkHttpClientHttpRequestFactory.IDEMPOTENT, true)
          .contentType(MediaType.TEXT_PLAIN).body("tea").retrieve().body(String.class);
      assertThat(answer).isEqualTo("hello tea");
      assertThat(greeter.seen).hasSize(2);

      greeter.failNext.set(1);
      assertThatThrownBy(() -> client.post().uri("/orders").contentType(MediaType.TEXT_PLAIN).body("tea")
          .retrieve().body(String.class)).isInstanceOf(HttpServerErrorException.ServiceUnavailable.class);
      assertThat(greeter.seen).as("the same POST without the attribute is not retried").hasSize(3);
    });
  }

  @Test
  void theMeshClientAndFactoryAreBeans() {
    runner.run(context -> assertThat(context).hasSingleBean(OkHttpClient.class)
        .hasSingleBean(OkHttpClientHttpRequestFactory.class)
        .hasBean("meshRestClientCustomizer")
        .getBean(OkHttpClientHttpRequestFactory.class)
        .satisfies(f -> assertThat(f.client()).isSameAs(context.getBean(OkHttpClient.class))));
  }

  @Test
  void backsOffForTheApplicationsOkHttpClient() {
    runner.withUserConfiguration(OwnClient.class).run(context -> {
      assertThat(context).hasSingleBean(OkHttpClient.class);
      assertThat(context.getBean(OkHttpClientHttpRequestFactory.class).client())
          .isSameAs(context.getBean("ownClient"));
    });
  }

  @Test
  void withoutOkHttpOnTheClassPathTheMeshStillStarts() {
    runner.withClassLoader(new FilteredClassLoader(OkHttpClient.class)).run(context -> assertThat(context)
        .hasNotFailed().hasSingleBean(Mesh.class)
        .doesNotHaveBean(OkHttpClient.class).doesNotHaveBean(RestClientCustomizer.class));
  }

  @Test
  void withoutMeshHttpOnTheClassPathTheMeshStillStarts() {
    runner.withClassLoader(new FilteredClassLoader(MeshHttp.class)).run(context -> assertThat(context)
        .hasNotFailed().hasSingleBean(Mesh.class).doesNotHaveBean(OkHttpClient.class));
  }

  @Test
  void withoutSpringWebTheOkHttpClientIsStillMade() {
    runner.withClassLoader(new FilteredClassLoader(RestClient.class)).run(context -> assertThat(context)
        .hasNotFailed().hasSingleBean(OkHttpClient.class)
        .doesNotHaveBean(OkHttpClientHttpRequestFactory.class));
  }

  @Test
  void withoutBootsRestClientModuleTheRequestFactoryIsStillMade() {
    runner.withClassLoader(new FilteredClassLoader(org.springframework.boot.restclient.RestClientCustomizer.class))
        .run(context -> assertThat(context)
            .hasNotFailed().hasSingleBean(OkHttpClientHttpRequestFactory.class)
            .doesNotHaveBean("meshRestClientCustomizer"));
  }

  @Test
  void meshworkEnabledFalseLeavesBootsRestClientAlone() {
    runner.withPropertyValues("meshwork.enabled=false").run(context -> assertThat(context)
        .hasNotFailed().doesNotHaveBean(OkHttpClient.class).doesNotHaveBean("meshRestClientCustomizer")
        .hasSingleBean(RestClient.Builder.class));
  }

  /** A registry naming the greeter, and a meter registry to read the mesh's meters from. */
  @Configuration(proxyBeanMethods = false)
  static class Infrastructure {
    @Bean
    Registry registry(Integer greeterPort) {
      InMemoryRegistry registry = InMemoryRegistry.create();
      registry.putService(ServiceConfig.of("greeter", Endpoint.of("127.0.0.1:" + greeterPort)));
      return registry;
    }

    @Bean
    MeterRegistry meterRegistry() {
      return new SimpleMeterRegistry();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnClient {
    @Bean
    OkHttpClient ownClient(Mesh mesh) {
      return MeshHttp.configure(mesh, new OkHttpClient.Builder()).build();
    }
  }
}
