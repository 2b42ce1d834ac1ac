package io.meshwork.spring.boot.it.actuator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Mesh;
import io.meshwork.core.registry.FileRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.json.JsonParserFactory;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;

/**
 * One Spring MVC application with the starter and Actuator on Tomcat. It calls itself by its mesh
 * name once, through the mesh, and the test reads {@code /actuator/meshwork}, {@code
 * /actuator/health} and {@code /actuator/metrics/mesh.client.requests} over real HTTP.
 */
@SpringBootTest(classes = ActuatorApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"meshwork.service-name=greeter", "meshwork.zone=eu-1", "spring.main.banner-mode=off",
        "management.endpoints.web.exposure.include=meshwork,health,metrics",
        "management.endpoint.health.show-details=always"})
class ActuatorEndpointsTest {
  static final Path DIR;
  static final Path REGISTRY;

  static {
    try {
      DIR = Files.createTempDirectory("meshwork-actuator");
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
  @Autowired Mesh mesh;
  @Autowired MeterRegistry meters;
  @Autowired RestClient.Builder restClients;

  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterAll
  static void deleteRegistry() throws IOException {
    try (var files = Files.walk(DIR)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void afterOneMeshCallTheActuatorShowsTheMeshItsHealthAndItsMeters() throws Exception {
    Files.writeString(REGISTRY, """
        services:
          greeter:
            endpoints:
              - { address: 127.0.0.1:%d, zone: eu-1 }
        """.formatted(port));
    FileRegistry registry = (FileRegistry) mesh.registry();
    await().atMost(Duration.ofSeconds(10)).until(() -> registry.document().services().containsKey("greeter"));
    assertThat(mesh.meterRegistry()).isSameAs(meters);

    String answer = restClients.build().get().uri("http://greeter/greetings/actuator").retrieve().body(String.class);
    assertThat(answer).isEqualTo("hello actuator");

    // The same document as mesh-admin's /admin/state.json.
    Map<String, Object> view = get("/actuator/meshwork");
    assertThat(view).containsEntry("schema", "meshwork.admin.state/1");
    assertThat((Map<String, Object>) view.get("service"))
        .containsEntry("name", "greeter").containsEntry("zone", "eu-1").containsEntry("tlsMode", "permissive");
    assertThat((Map<String, Object>) view.get("registry"))
        .containsEntry("kind", "FileRegistry").containsEntry("source", "file:" + REGISTRY)
        .containsEntry("problems", List.of());
    assertThat(view.get("identity")).isNull();
    List<Map<String, Object>> destinations = (List<Map<String, Object>>) view.get("destinations");
    assertThat(destinations).singleElement().satisfies(greeter -> {
      assertThat(greeter).containsEntry("service", "greeter").containsEntry("known", true);
      assertThat((Map<String, Object>) greeter.get("circuit")).containsEntry("state", "closed");
      assertThat((Map<String, Object>) greeter.get("concurrency")).containsEntry("inFlight", 0);
      List<Map<String, Object>> endpoints = (List<Map<String, Object>>) greeter.get("endpoints");
      assertThat(endpoints).singleElement().satisfies(e -> {
        assertThat(e).containsEntry("address", "127.0.0.1:" + port).containsEntry("zone", "eu-1")
            .containsEntry("state", "serving").containsEntry("attempts", 1).containsEntry("failures", 0);
        assertThat(((Number) e.get("ewmaMs")).doubleValue()).isPositive();
      });
      assertThat((Map<String, Object>) greeter.get("retryBudget")).containsEntry("ratio", 0.2)
          .containsEntry("minPerSecond", 10).containsEntry("ttl", "10s").containsEntry("throttled", false)
          .containsEntry("refusedByBudget", 0).containsEntry("refusedByThrottle", 0);
    });
    // The call came back in through the mesh's servlet filter, over plaintext: an anonymous caller.
    Map<String, Object> inbound = (Map<String, Object>) view.get("inbound");
    assertThat((List<Map<String, Object>>) inbound.get("callers")).singleElement().satisfies(c -> {
      assertThat(c).containsEntry("identity", "anonymous").containsEntry("refusedTotal", 0)
          .containsEntry("refused", Map.of());
      assertThat(((Number) c.get("accepted")).longValue()).isPositive();
      assertThat(c).containsKey("sinceLastSeenMs");
    });

    Map<String, Object> health = get("/actuator/health");
    assertThat(health).containsEntry("status", "UP");
    Map<String, Object> meshwork = (Map<String, Object>) ((Map<String, Object>) health.get("components")).get("meshwork");
    assertThat(meshwork).containsEntry("status", "UP");
    assertThat((Map<String, Object>) meshwork.get("details"))
        .containsEntry("service", "greeter").containsEntry("registrySource", "file:" + REGISTRY);

    Map<String, Object> requests = get("/actuator/metrics/mesh.client.requests");
    assertThat(requests).containsEntry("name", "mesh.client.requests");
    assertThat((List<Map<String, Object>>) requests.get("measurements"))
        .filteredOn(m -> "COUNT".equals(m.get("statistic")))
        .singleElement().satisfies(m -> assertThat(((Number) m.get("value")).doubleValue()).isEqualTo(1.0));
    assertThat((List<Map<String, Object>>) requests.get("availableTags"))
        .filteredOn(t -> "service".equals(t.get("tag")))
        .singleElement().satisfies(t -> assertThat((List<String>) t.get("values")).containsExactly("greeter"));
  }

  private Map<String, Object> get(String path) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
    return JsonParserFactory.getJsonParser().parseMap(response.body());
  }
}
