package io.meshwork.spring.boot;

import static io.meshwork.spring.boot.MeshAutoConfigurationTest.messages;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshwork.spring.boot.clients.ClientsPackage;
import io.meshwork.spring.boot.clients.GreeterClient;
import io.meshwork.spring.boot.badclients.BadPackage;
import io.meshwork.spring.boot.badname.BadNamePackage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.client.HttpServerErrorException;

class MeshClientsAutoConfigurationTest {
  Greeter greeter;
  ApplicationContextRunner runner;

  @BeforeEach
  void startGreeter() throws Exception {
    greeter = new Greeter();
    runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class, MeshHttpAutoConfiguration.class,
            MeshClientsAutoConfiguration.class, RestClientAutoConfiguration.class))
        .withUserConfiguration(MeshHttpAutoConfigurationTest.Infrastructure.class)
        .withBean("greeterPort", Integer.class, greeter::port)
        .withPropertyValues("meshwork.service-name=frontend");
  }

  @AfterEach
  void stopGreeter() {
    greeter.close();
  }

  @Test
  void aMeshClientInterfaceInTheApplicationsPackageCallsItsServiceThroughTheMesh() {
    runner.withUserConfiguration(ClientsPackage.class).run(context -> {
      assertThat(context).hasSingleBean(GreeterClient.class).hasBean("greeterClient");
      GreeterClient client = context.getBean(GreeterClient.class);
      assertThat(client.hello("spring")).isEqualTo("hello /hello?to=spring");
      assertThat(client.greet("mesh")).isEqualTo("hello mesh");
      assertThat(greeter.seen).extracting(Greeter.Seen::timeoutHeader).doesNotContainNull();
    });
  }

  @Test
  void aTimeoutOnAMethodShortensItsDeadlineOnly() {
    runner.withUserConfiguration(ClientsPackage.class).run(context -> {
      GreeterClient client = context.getBean(GreeterClient.class);
      client.quick();
      client.hello("again");
      long quick = Long.parseLong(greeter.seen.get(0).timeoutHeader());
      long hello = Long.parseLong(greeter.seen.get(1).timeoutHeader());
      assertThat(quick).isBetween(1L, 150L);
      assertThat(hello).isGreaterThan(150L);
    });
  }

  @Test
  void anIdempotentPostIsRetriedAfterA503AndSucceeds() {
    runner.withUserConfiguration(ClientsPackage.class).run(context -> {
      GreeterClient client = context.getBean(GreeterClient.class);
      greeter.failNext.set(1);
      assertThat(client.order("tea")).isEqualTo("hello tea");
      assertThat(greeter.seen).hasSize(2).allSatisfy(s -> assertThat(s.path()).isEqualTo("/orders"));
    });
  }

  @Test
  void aPostWithoutIdempotentIsNotRetriedAfterA503() {
    runner.withUserConfiguration(ClientsPackage.class).run(context -> {
      GreeterClient client = context.getBean(GreeterClient.class);
      greeter.failNext.set(1);
      assertThatThrownBy(() -> client.orderOnce("tea"))
          .isInstanceOfSatisfying(HttpServerErrorException.class, e -> assertThat(e.getStatusCode().value()).isEqualTo(503));
      assertThat(greeter.seen).hasSize(1);
    });
  }

  @Test
  void noClientsOutsideTheApplicationsPackages() {
    runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(GreeterClient.class));
  }

  @Test
  void enableMeshClientsNamesThePackagesInstead() {
    runner.withUserConfiguration(Explicit.class, BadPackage.class).run(context -> assertThat(context)
        .hasNotFailed().hasSingleBean(GreeterClient.class));
  }

  @Test
  void aTimeoutThatDoesNotParseFailsStartUpNamingTheMethod() {
    runner.withUserConfiguration(BadPackage.class).run(context -> assertThat(context).hasFailed()
        .getFailure().satisfies(e -> assertThat(messages(e))
            .contains("@Timeout on io.meshwork.spring.boot.badclients.BadTimeoutClient.hello: 'soon'")));
  }

  @Test
  void aServiceNameTheMeshRefusesFailsStartUpNamingTheInterface() {
    runner.withUserConfiguration(BadNamePackage.class).run(context -> assertThat(context).hasFailed()
        .getFailure().satisfies(e -> assertThat(messages(e))
            .contains("@MeshClient on io.meshwork.spring.boot.badname.BadNameClient: service name: 'Greeter_Service'")));
  }

  @Configuration(proxyBeanMethods = false)
  @EnableMeshClients(basePackageClasses = GreeterClient.class)
  static class Explicit {}
}
