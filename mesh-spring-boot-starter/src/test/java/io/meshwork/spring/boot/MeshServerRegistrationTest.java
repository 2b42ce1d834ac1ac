package io.meshwork.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.Mesh;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.core.registry.Registry;
import io.meshwork.core.registry.ServiceSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.servlet.context.ServletWebServerApplicationContext;
import org.springframework.boot.web.server.servlet.context.ServletWebServerInitializedEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class MeshServerRegistrationTest {
  final WebApplicationContextRunner web = new WebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class, MeshServletAutoConfiguration.class))
      .withUserConfiguration(OwnRegistry.class)
      .withPropertyValues("meshwork.service-name=greeter");

  @TempDir Path dir;

  @Test
  void aServletApplicationRegistersOnLoopbackAndWaitsThePollIntervalPlusAMarginByDefault() {
    web.run(context -> {
      MeshServerRegistration r = context.getBean(MeshServerRegistration.class);
      assertThat(r.advertisedHost()).isEqualTo("127.0.0.1");
      assertThat(r.withdrawDelay()).isEqualTo(Duration.ofMillis(750));
      assertThat(r.getPhase()).isGreaterThan(WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE)
          .isLessThan(Integer.MAX_VALUE);
      assertThat(r.registration()).as("no web server has started").isNull();
    });
  }

  @Test
  void theDefaultDelayFollowsThePollIntervalOfTheFileRegistry() throws Exception {
    Path file = Files.writeString(dir.resolve("mesh.yaml"), "services: {}\n");
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class, MeshServletAutoConfiguration.class))
        .withPropertyValues("meshwork.service-name=greeter", "meshwork.registry.file=" + file,
            "meshwork.registry.poll-interval=100ms")
        .run(context -> assertThat(context.getBean(MeshServerRegistration.class).withdrawDelay())
            .isEqualTo(Duration.ofMillis(600)));
  }

  @Test
  void propertiesSetTheHostAndTheDelay() {
    web.withPropertyValues("meshwork.server.advertise-host=10.1.2.3", "meshwork.server.withdraw-delay=2s",
        "server.address=127.0.0.2").run(context -> {
          MeshServerRegistration r = context.getBean(MeshServerRegistration.class);
          assertThat(r.advertisedHost()).isEqualTo("10.1.2.3");
          assertThat(r.withdrawDelay()).isEqualTo(Duration.ofSeconds(2));
        });
  }

  @Test
  void theHostIsTheServersAddressWhenItIsBoundToOne() {
    assertThat(MeshServletAutoConfiguration.advertisedHost(null, "127.0.0.2")).isEqualTo("127.0.0.2");
    assertThat(MeshServletAutoConfiguration.advertisedHost(null, "localhost")).isEqualTo("127.0.0.1");
    assertThat(MeshServletAutoConfiguration.advertisedHost("", "0.0.0.0")).isEqualTo("127.0.0.1");
    assertThat(MeshServletAutoConfiguration.advertisedHost(null, "::")).isEqualTo("127.0.0.1");
    assertThat(MeshServletAutoConfiguration.advertisedHost(null, null)).isEqualTo("127.0.0.1");
    assertThat(MeshServletAutoConfiguration.advertisedHost(" pod-1 ", "0.0.0.0")).isEqualTo("pod-1");
  }

  @Test
  void registerFalseRegistersNothing() {
    web.withPropertyValues("meshwork.server.register=false").run(context -> assertThat(context)
        .hasNotFailed().hasBean("meshServletFilter").doesNotHaveBean(MeshServerRegistration.class));
  }

  @Test
  void backsOffForTheApplicationsOwn() {
    web.withUserConfiguration(OwnRegistration.class).run(context -> assertThat(context)
        .getBean(MeshServerRegistration.class).extracting(MeshServerRegistration::advertisedHost)
        .isEqualTo("own"));
  }

  @Test
  void badDurationsFailStartUpNamingTheProperty() {
    web.withPropertyValues("meshwork.server.withdraw-delay=-1s").run(context -> assertThat(context)
        .hasFailed().getFailure().rootCause().hasMessageContaining("meshwork.server.withdraw-delay: PT-1S"));
    Path file = dir.resolve("mesh.yaml");
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class, MeshServletAutoConfiguration.class))
        .withPropertyValues("meshwork.service-name=greeter", "meshwork.registry.file=" + file,
            "meshwork.registry.poll-interval=0s")
        .run(context -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("meshwork.registry.poll-interval: PT0S"));
  }

  /** The main server's port is registered with the mesh's zone; the management server's is not. */
  @Test
  void registersTheMainWebServersPortAndWithdrawsItOnStopAfterTheDelay() {
    InMemoryRegistry registry = InMemoryRegistry.create();
    try (Mesh mesh = Mesh.builder().serviceName("greeter").zone("z1").registry(registry).build()) {
      AtomicReference<List<Endpoint>> seen = new AtomicReference<>();
      registry.watch("greeter", (ServiceSnapshot s) -> seen.set(s.config().endpoints()));
      MeshServerRegistration r = new MeshServerRegistration(mesh, "127.0.0.1", Duration.ofMillis(200));

      r.onApplicationEvent(event("management", 9001));
      assertThat(r.registration()).isNull();
      assertThat(seen.get()).isEmpty();

      r.onApplicationEvent(event(null, 8080));
      r.start();
      assertThat(r.isRunning()).isTrue();
      assertThat(seen.get()).singleElement().satisfies(e -> {
        assertThat(e.address().host()).isEqualTo("127.0.0.1");
        assertThat(e.port("http")).hasValue(8080);
        assertThat(e.zone()).isEqualTo("z1");
      });

      long start = System.nanoTime();
      r.stop();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
      assertThat(seen.get()).isEmpty();
      assertThat(r.registration()).isNull();
      assertThat(r.isRunning()).isFalse();

      // Started again (context.start() after stop()), the web server's new event registers again.
      r.onApplicationEvent(event(null, 8081));
      assertThat(seen.get()).singleElement().satisfies(e -> assertThat(e.port("http")).hasValue(8081));
      r.stop();
      assertThat(seen.get()).isEmpty();
    }
  }

  private static ServletWebServerInitializedEvent event(String namespace, int port) {
    ServletWebServerApplicationContext context = new ServletWebServerApplicationContext();
    context.setServerNamespace(namespace);
    WebServer server = new WebServer() {
      @Override public void start() {}

      @Override public void stop() {}

      @Override public int getPort() { return port; }
    };
    return new ServletWebServerInitializedEvent(server, context);
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnRegistry {
    @Bean
    Registry registry() {
      return InMemoryRegistry.create();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnRegistration {
    @Bean
    MeshServerRegistration ownRegistration(Mesh mesh) {
      return new MeshServerRegistration(mesh, "own", Duration.ZERO);
    }
  }
}
