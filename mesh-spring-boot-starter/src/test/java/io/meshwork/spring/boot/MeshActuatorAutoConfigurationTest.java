package io.meshwork.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.admin.MeshState;
import io.meshwork.core.Destination;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.core.registry.Registry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class MeshActuatorAutoConfigurationTest {
  @TempDir Path dir;
  Path registryFile;
  WebApplicationContextRunner runner;

  @BeforeEach
  void writeRegistry() throws IOException {
    registryFile = dir.resolve("mesh.yaml");
    Files.writeString(registryFile, """
        services:
          greeter:
            endpoints:
              - { address: 127.0.0.1:1, zone: eu-1, labels: { version: v1 } }
        """);
    runner = new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class, MeshAdminAutoConfiguration.class,
            MeshActuatorAutoConfiguration.class))
        .withPropertyValues("meshwork.service-name=frontend", "meshwork.zone=eu-1",
            "meshwork.registry.file=" + registryFile, "management.endpoints.web.exposure.include=meshwork")
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new);
  }

  @Test
  void withActuatorTheEndpointAndTheHealthIndicatorAreMade() {
    runner.run(context -> assertThat(context).hasSingleBean(MeshEndpoint.class)
        .hasSingleBean(MeshHealthIndicator.class).hasBean("meshworkHealthIndicator"));
  }

  @Test
  void theEndpointIsNotMadeWhenItIsNotExposed() {
    runner.withPropertyValues("management.endpoints.web.exposure.include=health")
        .run(context -> assertThat(context).doesNotHaveBean(MeshEndpoint.class)
            .hasSingleBean(MeshHealthIndicator.class));
  }

  @Test
  void theHealthIndicatorCanBeTurnedOff() {
    runner.withPropertyValues("management.health.meshwork.enabled=false")
        .run(context -> assertThat(context).hasSingleBean(MeshEndpoint.class)
            .doesNotHaveBean(MeshHealthIndicator.class));
  }

  @Test
  void withoutActuatorOnTheClassPathNeitherIsMadeAndTheMeshStarts() {
    runner.withClassLoader(new FilteredClassLoader(org.springframework.boot.actuate.endpoint.annotation.Endpoint.class,
            HealthIndicator.class))
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(Mesh.class)
            .doesNotHaveBean(MeshEndpoint.class).doesNotHaveBean(MeshHealthIndicator.class));
  }

  @Test
  void withoutTheMeshNeitherIsMade() {
    runner.withPropertyValues("meshwork.enabled=false").run(context -> assertThat(context).hasNotFailed()
        .doesNotHaveBean(Mesh.class).doesNotHaveBean(MeshEndpoint.class).doesNotHaveBean(MeshHealthIndicator.class));
  }

  @Test
  void meshworkEnabledFalseTurnsItOffEvenWithTheApplicationsOwnMesh() {
    runner.withPropertyValues("meshwork.enabled=false")
        .withBean(Mesh.class, () -> Mesh.builder().serviceName("own").registry(InMemoryRegistry.create()).build())
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(Mesh.class)
            .doesNotHaveBean(MeshEndpoint.class).doesNotHaveBean(MeshHealthIndicator.class));
  }

  @Test
  void backsOffForTheApplicationsOwnBeans() {
    runner.withUserConfiguration(OwnBeans.class).run(context -> {
      assertThat(context).getBean(MeshEndpoint.class).isSameAs(context.getBean(OwnBeans.class).endpoint);
      assertThat(context).getBean(MeshState.class).isSameAs(context.getBean(OwnBeans.class).state);
      assertThat(context).getBean("meshworkHealthIndicator").isNotInstanceOf(MeshHealthIndicator.class);
    });
  }

  @Test
  void theEndpointShowsTheServiceTheRegistryAndTheDestinationsTheMeshMade() {
    runner.run(context -> {
      Mesh mesh = context.getBean(Mesh.class);
      MeshEndpoint endpoint = context.getBean(MeshEndpoint.class);
      assertThat(list(endpoint.mesh().get("destinations"))).isEmpty();

      mesh.destination("greeter");
      Map<String, Object> view = endpoint.mesh();
      assertThat(view).containsEntry("schema", MeshState.SCHEMA);
      assertThat(map(view.get("service"))).containsEntry("name", "frontend").containsEntry("zone", "eu-1")
          .containsEntry("tlsMode", "permissive");
      Map<String, Object> registry = map(view.get("registry"));
      assertThat(registry).containsEntry("kind", "FileRegistry").containsEntry("source", "file:" + registryFile)
          .containsEntry("problems", List.of()).containsEntry("readProblem", null);
      long version = ((Number) registry.get("version")).longValue();
      assertThat(view.get("identity")).isNull();
      Map<String, Object> greeter = destination(view, "greeter");
      assertThat(list(view.get("destinations"))).hasSize(1);
      assertThat(greeter).containsEntry("known", true);
      assertThat(map(greeter.get("circuit"))).containsEntry("state", "closed");
      assertThat(map(greeter.get("retryBudget"))).containsEntry("ratio", 0.2).containsEntry("minPerSecond", 10L)
          .containsEntry("ttl", "10s").containsEntry("available", 100.0).containsEntry("throttled", false)
          .containsEntry("refusedByBudget", 0L).containsEntry("refusedByThrottle", 0L);
      assertThat(list(map(view.get("inbound")).get("callers"))).isEmpty();
      assertThat(list(greeter.get("endpoints"))).singleElement().satisfies(e -> assertThat(e)
          .containsEntry("address", "127.0.0.1:1").containsEntry("zone", "eu-1")
          .containsEntry("labels", Map.of("version", "v1")).containsEntry("state", "serving"));
      // Reading the view made no destination.
      assertThat(mesh.destinations()).extracting(Destination::service).containsExactly("greeter");

      // A change of the document shows, with a newer version.
      Files.writeString(registryFile, """
          services:
            greeter:
              endpoints:
                - { address: 127.0.0.1:1, zone: eu-1, labels: { version: v1 } }
                - { address: 127.0.0.1:2, zone: eu-2 }
          """);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
          list(destination(endpoint.mesh(), "greeter").get("endpoints"))).hasSize(2));
      Map<String, Object> changed = map(endpoint.mesh().get("registry"));
      assertThat(((Number) changed.get("version")).longValue()).isGreaterThan(version);
      assertThat(java.time.Instant.parse((String) changed.get("lastApplied"))).isBefore(java.time.Instant.now().plusSeconds(1));
    });
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Object o) {
    return (List<Map<String, Object>>) o;
  }

  static Map<String, Object> destination(Map<String, Object> view, String service) {
    return list(view.get("destinations")).stream().filter(d -> service.equals(d.get("service"))).findFirst()
        .orElseThrow(() -> new AssertionError("no destination " + service + " in " + view));
  }

  @Test
  void aRefusedRegistryDocumentIsOutOfServiceWithItsProblems() {
    runner.run(context -> {
      MeshHealthIndicator health = context.getBean(MeshHealthIndicator.class);
      assertThat(health.health().getStatus()).isEqualTo(Status.UP);

      Files.writeString(registryFile, "services:\n  greeter:\n    endpoints: [ { address: nowhere } ]\n");
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(health.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE));
      Health refused = health.health();
      assertThat(refused.getDetails()).containsEntry("registrySource", "file:" + registryFile);
      assertThat((List<?>) refused.getDetails().get("reasons")).singleElement().asString()
          .contains("refused its latest document").contains("mesh.yaml");
      assertThat(list(map(context.getBean(MeshEndpoint.class).mesh().get("registry")).get("problems"))).singleElement()
          .satisfies(p -> assertThat(p).containsEntry("field", "services.greeter.endpoints[0].address"));
    });
  }

  @Test
  void aRegistryThatCannotBeReadIsOutOfServiceWithTheReasonUntilItCanAgain() {
    runner.run(context -> {
      MeshHealthIndicator health = context.getBean(MeshHealthIndicator.class);
      MeshEndpoint endpoint = context.getBean(MeshEndpoint.class);
      assertThat(health.health().getStatus()).isEqualTo(Status.UP);
      String document = Files.readString(registryFile);

      Files.delete(registryFile);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(health.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE));
      assertThat((List<?>) health.health().getDetails().get("reasons")).singleElement().asString()
          .startsWith("the registry cannot be read; the last good document stays in force: cannot read registry")
          .contains("mesh.yaml");
      assertThat((String) map(endpoint.mesh().get("registry")).get("readProblem")).contains("mesh.yaml");
      assertThat(list(map(endpoint.mesh().get("registry")).get("problems"))).isEmpty();

      Files.writeString(registryFile, document);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(health.health().getStatus()).isEqualTo(Status.UP));
      assertThat(map(endpoint.mesh().get("registry")).get("readProblem")).isNull();
    });
  }

  @Test
  void theCertificateIsUpUntilItsExpiryWarningThenOutOfServiceThenDown() {
    runner.withPropertyValues("meshwork.tls.mode=development-ca").run(context -> {
      Mesh mesh = context.getBean(Mesh.class);
      Health up = context.getBean(MeshHealthIndicator.class).health();
      assertThat(up.getStatus()).isEqualTo(Status.UP);
      assertThat(up.getDetails()).containsEntry("spiffeId", mesh.identity().orElseThrow().spiffeId())
          .containsKey("certificateNotAfter").doesNotContainKey("reasons");
      assertThat((Long) up.getDetails().get("certificateSecondsLeft")).isGreaterThan(Duration.ofHours(1).toSeconds());

      // The development CA's certificates live 24 h: a 48 h warning is already due.
      Health soon = new MeshHealthIndicator(mesh, Duration.ofHours(48)).health();
      assertThat(soon.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
      assertThat(soon.getDetails().get("reasons").toString()).contains("certificate-expiry-warning");

      Clock dayAfter = Clock.offset(Clock.systemUTC(), Duration.ofHours(25));
      Health expired = new MeshHealthIndicator(mesh, Duration.ofHours(1), dayAfter).health();
      assertThat(expired.getStatus()).isEqualTo(Status.DOWN);
      assertThat(expired.getDetails().get("reasons").toString()).contains("expired");

      assertThat((String) map(context.getBean(MeshEndpoint.class).mesh().get("identity")).get("spiffeId"))
          .endsWith("/service/frontend");
    });
  }

  @Test
  void theCertificateExpiryWarningIsAProperty() {
    runner.withPropertyValues("meshwork.tls.mode=development-ca", "meshwork.health.certificate-expiry-warning=48h")
        .run(context -> assertThat(context.getBean(MeshHealthIndicator.class).health().getStatus())
            .isEqualTo(Status.OUT_OF_SERVICE));
  }

  @Test
  void aRegistryOtherThanAFileIsShownByItsStatus() {
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class, MeshAdminAutoConfiguration.class,
            MeshActuatorAutoConfiguration.class))
        .withPropertyValues("meshwork.service-name=frontend", "management.endpoints.web.exposure.include=meshwork")
        .withBean(Registry.class, () -> {
          InMemoryRegistry r = InMemoryRegistry.create();
          r.putService(ServiceConfig.of("greeter", Endpoint.of("127.0.0.1:1")));
          return r;
        })
        .run(context -> {
          Map<String, Object> registry = map(context.getBean(MeshEndpoint.class).mesh().get("registry"));
          assertThat(registry).containsEntry("kind", "InMemoryRegistry").containsEntry("source", "memory")
              .containsEntry("problems", List.of());
          assertThat(context.getBean(MeshHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);
        });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnBeans {
    final MeshState state;
    final MeshEndpoint endpoint;

    OwnBeans(Mesh mesh) {
      this.state = MeshState.start(mesh);
      this.endpoint = new MeshEndpoint(state);
    }

    @Bean(destroyMethod = "close")
    MeshState ownMeshState() {
      return state;
    }

    @Bean
    MeshEndpoint ownMeshEndpoint() {
      return endpoint;
    }

    @Bean
    HealthIndicator meshworkHealthIndicator() {
      return () -> Health.up().withDetail("own", true).build();
    }
  }
}
