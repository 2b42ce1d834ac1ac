package io.meshwork.samples.spring.boot;

import io.meshwork.samples.spring.boot.frontend.FrontendApplication;
import io.meshwork.samples.spring.boot.greeter.GreeterApplication;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs the sample: writes a registry document in a temporary folder, starts the greeter and then
 * the frontend in this JVM (two Spring Boot applications on free loopback ports, each registering
 * itself in that registry), calls the frontend's {@code /} over HTTP a few times, reads the
 * frontend's {@code /actuator/meshwork} and {@code /actuator/health}, prints what it saw, closes
 * both applications and deletes the folder.
 *
 * <p>From the repository root: {@code mvn -q -Dmaven.test.skip=true -pl samples/spring-boot -am
 * package exec:java}.
 */
public final class SpringBootSample {
  /** The registry: both services, no endpoints; each application registers its own. */
  static final String REGISTRY = """
      # Written by SpringBootSample. No endpoints: each application registers its port when it
      # listens and withdraws it when it closes.
      mesh:
        tls: permissive   # plaintext is accepted: the starter has no server-side mTLS yet
      services:
        greeter:
          client:
            timeout: 2s
            retries: { maxAttempts: 3, on: [connect-failure, unavailable] }
        frontend: {}
      """;

  static final List<String> NAMES = List.of("ada", "grace", "barbara");

  /** What the sample saw. */
  public record Result(Path registry, List<String> answers, JsonNode meshwork, String health, String meshworkHealth) {}

  private SpringBootSample() {}

  public static void main(String[] args) throws Exception {
    run(System.out);
  }

  /** Runs the whole sample, printing to {@code out}; everything it started is closed on return. */
  public static Result run(PrintStream out) throws IOException, InterruptedException {
    long start = System.nanoTime();
    Path dir = Files.createTempDirectory("meshwork-spring-boot-sample");
    try {
      Path registry = dir.resolve("mesh.yaml");
      Files.writeString(registry, REGISTRY);
      out.println("registry: " + registry);
      String registryArg = "--meshwork.registry.file=" + registry;

      try (ConfigurableApplicationContext greeter = new SpringApplicationBuilder(GreeterApplication.class)
              .profiles("greeter").run(registryArg);
          ConfigurableApplicationContext frontend = new SpringApplicationBuilder(FrontendApplication.class)
              .profiles("frontend").run(registryArg)) {
        int greeterPort = port(greeter);
        int frontendPort = port(frontend);
        out.printf("started: greeter on 127.0.0.1:%d, frontend on 127.0.0.1:%d (%d ms)%n",
            greeterPort, frontendPort, (System.nanoTime() - start) / 1_000_000);

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String base = "http://127.0.0.1:" + frontendPort;
        List<String> answers = new ArrayList<>();
        out.println();
        for (String name : NAMES) {
          String answer = get(http, base + "/?name=" + URLEncoder.encode(name, StandardCharsets.UTF_8));
          answers.add(answer);
          out.println("GET /?name=" + name + "  ->  " + answer);
        }

        JsonNode meshwork = JsonMapper.shared().readTree(get(http, base + "/actuator/meshwork"));
        JsonNode health = JsonMapper.shared().readTree(get(http, base + "/actuator/health"));
        printMeshwork(out, meshwork);
        String status = health.path("status").asString();
        String meshworkHealth = health.path("components").path("meshwork").path("status").asString();
        out.println();
        out.println("frontend /actuator/health: " + status + " (meshwork: " + meshworkHealth + ")");
        out.println();
        out.println("closing both (each withdraws its registration, waits one registry poll, drains)");
        return new Result(registry, List.copyOf(answers), meshwork, status, meshworkHealth);
      }
    } finally {
      delete(dir);
      out.printf("done in %d ms%n", (System.nanoTime() - start) / 1_000_000);
    }
  }

  private static void printMeshwork(PrintStream out, JsonNode meshwork) {
    JsonNode service = meshwork.path("service");
    JsonNode registry = meshwork.path("registry");
    out.println();
    out.println("frontend /actuator/meshwork (excerpt):");
    out.printf("  service %s, trust domain %s, tls %s; registry %s version %s, problems %s%n",
        service.path("name").asString(), service.path("trustDomain").asString(),
        service.path("tlsMode").asString(), registry.path("kind").asString(),
        registry.path("version").asString(), registry.path("problems"));
    for (JsonNode d : meshwork.path("destinations")) {
      out.printf("  destination %s: timeout %s, load balancer %s, circuit %s%n", d.path("service").asString(),
          d.path("timeout").asString(), d.path("loadBalancer").asString(), d.path("circuit").path("state").asString());
      for (JsonNode e : d.path("endpoints")) {
        out.printf("    endpoint %s: %s, %s attempts, %s failed, peak-EWMA %.1f ms%n", e.path("address").asString(),
            e.path("state").asString(), e.path("attempts").asString(), e.path("failures").asString(),
            e.path("ewmaMs").asDouble());
      }
    }
  }

  private static int port(ConfigurableApplicationContext context) {
    return context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
  }

  private static String get(HttpClient http, String url) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("GET " + url + ": HTTP " + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
