package io.meshwork.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshwork.spring.boot.groups.GreeterService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.imperative.ImperativeHttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.service.HttpServiceClientPropertiesAutoConfiguration;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.boot.restclient.autoconfigure.service.HttpServiceClientAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.client.HttpServerErrorException;
import org.springframework.web.service.registry.ImportHttpServices;

/**
 * {@code @ImportHttpServices} groups named after mesh services call through the mesh; other
 * groups, and groups the application gave a base URL, are left alone. Real loopback servers: the
 * greeter is in the registry, the outside server is not.
 */
class MeshHttpServiceGroupsTest {
  Greeter greeter;
  Greeter outside;
  ApplicationContextRunner runner;

  @BeforeEach
  void start() throws Exception {
    greeter = new Greeter();
    outside = new Greeter();
    runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class, MeshHttpAutoConfiguration.class,
            HttpClientAutoConfiguration.class, ImperativeHttpClientAutoConfiguration.class,
            RestClientAutoConfiguration.class, HttpServiceClientPropertiesAutoConfiguration.class,
            HttpServiceClientAutoConfiguration.class))
        .withUserConfiguration(MeshHttpAutoConfigurationTest.Infrastructure.class)
        .withBean("greeterPort", Integer.class, greeter::port)
        .withPropertyValues("meshwork.service-name=frontend");
  }

  @AfterEach
  void stop() {
    greeter.close();
    outside.close();
  }

  @Configuration(proxyBeanMethods = false)
  @ImportHttpServices(group = "greeter", types = GreeterService.class)
  static class GreeterGroup {}

  @Configuration(proxyBeanMethods = false)
  @ImportHttpServices(group = "outside", types = GreeterService.class)
  static class OutsideGroup {}

  @Test
  void aGroupNamedAfterAMeshServiceCallsItThroughTheMesh() {
    runner.withUserConfiguration(GreeterGroup.class).run(context -> {
      assertThat(context).hasNotFailed();
      GreeterService client = context.getBean(GreeterService.class);
      assertThat(client.hello("groups")).isEqualTo("hello /hello?to=groups");
      assertThat(greeter.seen).singleElement().satisfies(s -> {
        assertThat(s.path()).isEqualTo("/hello?to=groups");
        assertThat(s.timeoutHeader()).as("the mesh's deadline header").isNotNull();
      });
    });
  }

  @Test
  void timeoutAndIdempotentAreHonouredInAMeshGroup() {
    runner.withUserConfiguration(GreeterGroup.class).run(context -> {
      GreeterService client = context.getBean(GreeterService.class);
      client.hello("warm up"); // the first call loads classes and connects: slower than 150 ms on a busy machine
      greeter.seen.clear();
      client.quick();
      client.hello("again");
      assertThat(Long.parseLong(greeter.seen.get(0).timeoutHeader())).isBetween(1L, 150L);
      assertThat(Long.parseLong(greeter.seen.get(1).timeoutHeader())).isGreaterThan(150L);

      greeter.seen.clear();
      greeter.failNext.set(1);
      assertThat(client.order("tea")).isEqualTo("hello tea");
      assertThat(greeter.seen).hasSize(2);

      greeter.seen.clear();
      greeter.failNext.set(1);
      assertThatThrownBy(() -> client.orderOnce("tea")).isInstanceOfSatisfying(HttpServerErrorException.class,
          e -> assertThat(e.getStatusCode().value()).isEqualTo(503));
      assertThat(greeter.seen).hasSize(1);
    });
  }

  @Test
  void aGroupWithItsOwnBaseUrlIsLeftAlone() {
    runner.withUserConfiguration(GreeterGroup.class)
        .withPropertyValues("spring.http.serviceclient.greeter.base-url=http://127.0.0.1:" + outside.port())
        .run(context -> {
          GreeterService client = context.getBean(GreeterService.class);
          assertThat(client.hello("direct")).isEqualTo("hello /hello?to=direct");
          assertThat(outside.seen).hasSize(1);
          assertThat(greeter.seen).isEmpty();
          // Not the mesh's: @Idempotent means nothing here, a 503 is not retried.
          outside.failNext.set(1);
          assertThatThrownBy(() -> client.order("tea")).isInstanceOf(HttpServerErrorException.class);
          assertThat(outside.seen).hasSize(2);
        });
  }

  @Test
  void aGroupThatIsNoMeshServiceIsLeftAlone() {
    runner.withUserConfiguration(OutsideGroup.class)
        .withPropertyValues("spring.http.serviceclient.outside.base-url=http://127.0.0.1:" + outside.port())
        .run(context -> {
          GreeterService client = context.getBean(GreeterService.class);
          assertThat(client.hello("plain")).isEqualTo("hello /hello?to=plain");
          assertThat(outside.seen).singleElement().satisfies(s -> assertThat(s.timeoutHeader()).isNull());
          assertThat(greeter.seen).isEmpty();
        });
  }

  @Configuration(proxyBeanMethods = false)
  @ImportHttpServices(group = "greeter", types = io.meshwork.spring.boot.badclients.BadTimeoutClient.class)
  static class BadTimeoutGroup {}

  @Test
  void aTimeoutThatDoesNotParseFailsStartUpNamingTheMethod() {
    runner.withUserConfiguration(BadTimeoutGroup.class).run(context -> assertThat(context).hasFailed()
        .getFailure().satisfies(e -> assertThat(MeshAutoConfigurationTest.messages(e))
            .contains("@Timeout on io.meshwork.spring.boot.badclients.BadTimeoutClient.hello: 'soon'")));
  }

  @Test
  void theDefaultGroupIsNeverTheMeshs() {
    MeshHttpServiceGroups groups = new MeshHttpServiceGroups(null, null, new org.springframework.mock.env.MockEnvironment());
    assertThat(groups.isMeshGroup(group("default"))).isFalse();
    assertThat(groups.isMeshGroup(group("greeter"))).isTrue();
    assertThat(groups.isMeshGroup(group("Not A Service"))).isFalse();
  }

  private static org.springframework.web.service.registry.HttpServiceGroup group(String name) {
    return new org.springframework.web.service.registry.HttpServiceGroup() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public java.util.Set<Class<?>> httpServiceTypes() {
        return java.util.Set.of();
      }

      @Override
      public ClientType clientType() {
        return ClientType.REST_CLIENT;
      }
    };
  }
}
