package io.meshwork.spring.boot.it.actuator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Mesh;
import io.meshwork.core.registry.FileRegistry;
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
 * With micrometer-registry-prometheus on the class path, the mesh's meters are in Boot's
 * Prometheus scrape: the application calls itself by its mesh name once, and {@code
 * /actuator/prometheus} shows the client call (and the server side of it) under the Prometheus
 * names of {@code mesh.client.requests}, {@code mesh.client.attempts} and {@code
 * mesh.server.requests}, while {@code /actuator/metrics/mesh.client.requests} lists the same
 * meter.
 */
@SpringBootTest(classes = ActuatorApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"meshwork.service-name=greeter", "spring.main.banner-mode=off",
        "management.endpoints.web.exposure.include=prometheus,metrics"})
class PrometheusScrapeTest {
  static final Path DIR;
  static final Path REGISTRY;

  static {
    try {
      DIR = Files.createTempDirectory("meshwork-prometheus");
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
  void afterAMeshCallTheScrapeHasTheMeshMeters() throws Exception {
    Files.writeString(REGISTRY, """
        services:
          greeter:
            endpoints:
              - { address: 127.0.0.1:%d }
        """.formatted(port));
    FileRegistry registry = (FileRegistry) mesh.registry();
    await().atMost(Duration.ofSeconds(10)).until(() -> registry.document().services().containsKey("greeter"));

    String before = get("/actuator/prometheus");
    assertThat(before).doesNotContain("mesh_client_requests_seconds_count");

    assertThat(restClients.build().get().uri("http://greeter/greetings/prometheus").retrieve().body(String.class))
        .isEqualTo("hello prometheus");

    String scrape = get("/actuator/prometheus");
    List<String> lines = scrape.lines().filter(l -> l.startsWith("mesh_")).toList();
    assertThat(lines).as(scrape)
        .anySatisfy(l -> assertThat(l).startsWith("mesh_client_requests_seconds_count{")
            .contains("service=\"greeter\"").contains("outcome=\"success\"").contains("status=\"200\"")
            .endsWith(" 1"))
        .anySatisfy(l -> assertThat(l).startsWith("mesh_client_attempts_total{")
            .contains("service=\"greeter\"").contains("outcome=\"success\"").endsWith(" 1.0"))
        // The server side of the call, and the first scrape: the mesh's filter serves Actuator too.
        .anySatisfy(l -> assertThat(l).startsWith("mesh_server_requests_seconds_count{")
            .contains("service=\"greeter\"").contains("caller=\"unknown\"").contains("route=\"GET\"")
            .contains("status=\"200\"").matches(".* [12]"))
        .anySatisfy(l -> assertThat(l).startsWith("mesh_client_endpoints{")
            .contains("service=\"greeter\"").contains("state=\"healthy\"").endsWith(" 1.0"));

    Map<String, Object> requests = JsonParserFactory.getJsonParser()
        .parseMap(get("/actuator/metrics/mesh.client.requests"));
    assertThat(requests).containsEntry("name", "mesh.client.requests");
    assertThat((List<Map<String, Object>>) requests.get("measurements"))
        .filteredOn(m -> "COUNT".equals(m.get("statistic")))
        .singleElement().satisfies(m -> assertThat(((Number) m.get("value")).doubleValue()).isEqualTo(1.0));
    assertThat((List<Map<String, Object>>) requests.get("availableTags"))
        .filteredOn(t -> "service".equals(t.get("tag")))
        .singleElement().satisfies(t -> assertThat((List<String>) t.get("values")).containsExactly("greeter"));
  }

  private String get(String path) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
    return response.body();
  }
}
