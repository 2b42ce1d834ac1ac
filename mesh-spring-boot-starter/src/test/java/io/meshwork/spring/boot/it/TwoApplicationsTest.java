package io.meshwork.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Mesh;
import io.meshwork.http.MeshServletFilter;
import io.meshwork.spring.boot.it.frontend.FrontendApp;
import io.meshwork.spring.boot.it.frontend.GreeterClient;
import io.meshwork.spring.boot.it.greeter.GreeterApp;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Two Boot applications in one JVM over one file registry: the greeter (Spring MVC on Tomcat, on a
 * random port) and a frontend whose {@code @MeshClient} interface calls it by name.
 */
@SpringBootTest(classes = GreeterApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"meshwork.service-name=greeter", "spring.main.banner-mode=off"})
class TwoApplicationsTest {
  static final Path DIR;
  static final Path REGISTRY;

  static {
    try {
      DIR = Files.createTempDirectory("meshwork-boot");
      REGISTRY = DIR.resolve("mesh.yaml");
      Files.writeString(REGISTRY, "services: {}\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @DynamicPropertySource
  static void registry(DynamicPropertyRegistry properties) {
    properties.add("meshwork.registry.file", REGISTRY::toString);
  }

  @Value("${local.server.port}") int port;
  @Autowired MeterRegistry greeterMeters;
  @Autowired FilterRegistrationBean<MeshServletFilter> meshServletFilter;

  @AfterAll
  static void deleteRegistry() throws IOException {
    try (var files = Files.walk(DIR)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  void theFrontendsMeshClientCallsTheGreeterThroughTheMeshAndTheGreetersFilter() throws IOException {
    assertThat(meshServletFilter.getOrder()).isEqualTo(Ordered.HIGHEST_PRECEDENCE);
    Files.writeString(REGISTRY, """
        services:
          greeter:
            endpoints:
              - { address: 127.0.0.1:%d }
        """.formatted(port));
    try (ConfigurableApplicationContext frontend = new SpringApplicationBuilder(FrontendApp.class)
        .web(WebApplicationType.NONE)
        .properties("spring.application.name=frontend", "spring.main.banner-mode=off",
            "meshwork.registry.file=" + REGISTRY)
        .run()) {
      assertThat(frontend.getBean(Mesh.class).serviceName()).isEqualTo("frontend");
      GreeterClient greeter = frontend.getBean(GreeterClient.class);

      String answer = greeter.greet("spring");
      assertThat(answer).startsWith("hello spring; ");
      // The servlet filter put the caller's deadline into the handler's context ...
      long deadline = number(answer, "deadline=(\\d+)");
      // ... from the header the frontend's mesh wrote (the registry's default timeout).
      long header = number(answer, "mesh-timeout-ms=(\\d+)");
      assertThat(deadline).isPositive().isLessThanOrEqualTo(header);

      String quick = greeter.greetQuickly("boot");
      assertThat(number(quick, "mesh-timeout-ms=(\\d+)")).isBetween(1L, 300L);
      assertThat(number(quick, "deadline=(\\d+)")).isBetween(0L, 300L);

      MeterRegistry frontendMeters = frontend.getBean(MeterRegistry.class);
      assertThat(frontendMeters.find("mesh.client.requests").tag("service", "greeter").timers())
          .extracting(Timer::count).containsExactly(2L);
      // The filter records a request once its chain has returned, which can be after the
      // response reached the frontend.
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
          greeterMeters.find("mesh.server.requests").timers()).extracting(Timer::count).containsExactly(2L));
    }
  }

  private static long number(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as("%s in %s", regex, text).isTrue();
    return Long.parseLong(m.group(1));
  }
}
