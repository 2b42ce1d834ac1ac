package io.meshwork.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.Mesh;
import io.meshwork.core.registry.FileRegistry;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.core.registry.Registry;
import io.meshwork.tls.DevCertificateAuthority;
import io.meshwork.tls.MeshTls;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class MeshAutoConfigurationTest {
  @TempDir Path dir;
  Path registryFile;
  ApplicationContextRunner runner;

  @BeforeEach
  void writeRegistry() throws IOException {
    registryFile = dir.resolve("mesh.yaml");
    Files.writeString(registryFile, """
        services:
          greeter:
            endpoints:
              - { address: 127.0.0.1:1 }
        """);
    runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class))
        .withPropertyValues("meshwork.registry.file=" + registryFile);
  }

  @Test
  void theMeshIsNamedAfterTheApplicationByDefault() {
    runner.withPropertyValues("spring.application.name=frontend").run(context -> {
      assertThat(context).hasSingleBean(Mesh.class).hasSingleBean(FileRegistry.class);
      Mesh mesh = context.getBean(Mesh.class);
      assertThat(mesh.serviceName()).isEqualTo("frontend");
      assertThat(mesh.identity()).isEmpty();
      assertThat(((FileRegistry) mesh.registry()).path()).isEqualTo(registryFile);
    });
  }

  @Test
  void meshworkServiceNameWinsOverTheApplicationName() {
    runner.withPropertyValues("spring.application.name=frontend-app",
        "meshwork.service-name=frontend", "meshwork.zone=eu-1").run(context -> {
      Mesh mesh = context.getBean(Mesh.class);
      assertThat(mesh.serviceName()).isEqualTo("frontend");
      assertThat(mesh.zone()).isEqualTo("eu-1");
    });
  }

  @Test
  void closingTheContextClosesTheMesh() {
    Mesh[] seen = new Mesh[1];
    runner.withPropertyValues("meshwork.service-name=frontend")
        .run(context -> seen[0] = context.getBean(Mesh.class));
    assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> seen[0].destination("greeter")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void meshworkEnabledFalseTurnsItAllOff() {
    runner.withPropertyValues("meshwork.service-name=frontend", "meshwork.enabled=false")
        .run(context -> assertThat(context).hasNotFailed()
            .doesNotHaveBean(Mesh.class).doesNotHaveBean(Registry.class)
            .doesNotHaveBean(MeshProperties.class));
  }

  @Test
  void backsOffForTheApplicationsMesh() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class))
        .withUserConfiguration(OwnMesh.class)
        .run(context -> {
          assertThat(context).hasNotFailed().hasSingleBean(Mesh.class).doesNotHaveBean(FileRegistry.class);
          assertThat(context.getBean(Mesh.class).serviceName()).isEqualTo("own");
        });
  }

  @Test
  void usesTheApplicationsRegistryWithoutARegistryFile() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class))
        .withUserConfiguration(OwnRegistry.class)
        .withPropertyValues("meshwork.service-name=frontend")
        .run(context -> {
          assertThat(context).hasNotFailed().hasSingleBean(Registry.class);
          assertThat(context.getBean(Mesh.class).registry()).isSameAs(context.getBean(Registry.class));
        });
  }

  @Test
  void usesTheApplicationsMeterRegistry() {
    runner.withUserConfiguration(Meters.class).withPropertyValues("meshwork.service-name=frontend")
        .run(context -> {
          MeterRegistry meters = context.getBean(MeterRegistry.class);
          assertThat(context.getBean(Mesh.class).meterRegistry()).isSameAs(meters);
          assertThat(meters.find("mesh.registry.updates").tag("result", "applied").counter())
              .isNotNull().extracting(c -> c.count()).isEqualTo(1.0);
        });
  }

  @Test
  void developmentCaModeMakesTheCaBesideTheRegistryFile() {
    runner.withPropertyValues("meshwork.service-name=frontend", "meshwork.tls.mode=development-ca")
        .run(context -> {
          Mesh mesh = context.getBean(Mesh.class);
          assertThat(MeshTls.of(mesh)).get().extracting(MeshTls::spiffeId).asString()
              .endsWith("/service/frontend");
          assertThat(DevCertificateAuthority.folderBeside(registryFile)).isDirectory();
        });
  }

  @Test
  void failsWhenNeitherServiceNameNorApplicationNameIsSet() {
    runner.run(context -> assertThat(context).hasFailed().getFailure()
        .satisfies(e -> assertThat(messages(e))
            .contains("meshwork.service-name: not set, nor spring.application.name")));
  }

  @Test
  void failsOnAServiceNameTheMeshRefuses() {
    runner.withPropertyValues("meshwork.service-name=Front_End").run(context -> assertThat(context)
        .hasFailed().getFailure()
        .satisfies(e -> assertThat(messages(e)).contains("meshwork.service-name: service name: 'Front_End'")));
  }

  @Test
  void failsWithoutARegistryFileOrBean() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class))
        .withPropertyValues("meshwork.service-name=frontend")
        .run(context -> assertThat(context).hasFailed().getFailure()
            .satisfies(e -> assertThat(messages(e)).contains("meshwork.registry.file: not set")));
  }

  @Test
  void failsOnAnUnknownTlsMode() {
    runner.withPropertyValues("meshwork.service-name=frontend", "meshwork.tls.mode=spiffe")
        .run(context -> assertThat(context).hasFailed().getFailure()
            .satisfies(e -> assertThat(messages(e)).contains("meshwork.tls.mode").contains("spiffe")));
  }

  @Test
  void failsInPemModeWithoutTheFilesNamingTheFirstMissingOne() {
    runner.withPropertyValues("meshwork.service-name=frontend", "meshwork.tls.mode=pem",
        "meshwork.tls.pem.certificate-chain=" + dir.resolve("tls.crt"))
        .run(context -> assertThat(context).hasFailed().getFailure()
            .satisfies(e -> assertThat(messages(e)).contains("meshwork.tls.pem.private-key: not set")));
  }

  @Test
  void failsInDevelopmentCaModeWithAnApplicationRegistryAndNoFolder() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class))
        .withUserConfiguration(OwnRegistry.class)
        .withPropertyValues("meshwork.service-name=frontend", "meshwork.tls.mode=development-ca")
        .run(context -> assertThat(context).hasFailed().getFailure()
            .satisfies(e -> assertThat(messages(e)).contains("meshwork.tls.development-ca.folder: not set")));
  }

  /** Every message of the cause chain, one per line. */
  static String messages(Throwable e) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) b.append(t.getMessage()).append('\n');
    return b.toString();
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnMesh {
    @Bean(destroyMethod = "close")
    Mesh mesh() {
      return Mesh.builder().serviceName("own").registry(InMemoryRegistry.create()).build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnRegistry {
    @Bean
    Registry registry() {
      return InMemoryRegistry.create();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class Meters {
    @Bean
    MeterRegistry meterRegistry() {
      return new SimpleMeterRegistry();
    }
  }
}
