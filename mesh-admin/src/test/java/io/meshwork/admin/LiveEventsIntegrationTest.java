package io.meshwork.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Mesh;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.registry.FileRegistry;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.http.MeshHttp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real decisions reach a real /admin/events client: an endpoint killed under calls is ejected,
 * a failing service opens its breaker, a bad registry document is rejected.
 */
class LiveEventsIntegrationTest {
  @TempDir Path dir;
  private Path file;
  private FileRegistry registry;
  private Mesh serverMesh;
  private Mesh clientMesh;
  private Greeter a;
  private Greeter b;
  private Greeter flaky;
  private OkHttpClient http;
  private MeshAdmin admin;

  private void start() throws IOException {
    file = dir.resolve("mesh.yaml");
    write("mesh: { tls: disabled }\n");
    registry = FileRegistry.builder(file).pollInterval(Duration.ofMillis(100)).build();
    serverMesh = Mesh.builder().serviceName("greeter").registry(registry).meterRegistry(new SimpleMeterRegistry()).build();
    a = new Greeter(serverMesh);
    b = new Greeter(serverMesh);
    flaky = new Greeter(serverMesh);
    flaky.status = 500;
    write(document(""));
    await().atMost(Duration.ofSeconds(10)).until(() -> registry.serviceNames().contains("flaky"));
    clientMesh = Mesh.builder().serviceName("frontend").registry(registry).meterRegistry(new SimpleMeterRegistry()).build();
    http = MeshHttp.client(clientMesh);
    admin = MeshAdmin.start(clientMesh, 0);
  }

  private String document(String extra) {
    return "mesh: { tls: disabled }\n"
        + "services:\n"
        + "  greeter:\n"
        + "    endpoints: [ 127.0.0.1:" + a.port() + ", 127.0.0.1:" + b.port() + " ]\n"
        + "    client:\n"
        + "      timeout: 2s\n"
        + "      loadBalancer: round-robin\n"       // both get traffic, whatever their latency
        + "      retries: { maxAttempts: 3, on: [connect-failure, reset, unavailable], backoff: { base: 1ms, max: 5ms } }\n"
        + "      outlierDetection: { consecutiveFailures: 2, baseEjection: 30s, maxEjectedPercent: 50 }\n"
        + "  flaky:\n"
        + "    endpoints: [ 127.0.0.1:" + flaky.port() + " ]\n"
        + "    client:\n"
        + "      retries: { maxAttempts: 1 }\n"
        + "      outlierDetection: { consecutiveFailures: 1000 }\n"
        + "      circuitBreaker: { failureRate: 50, window: 20s, minCalls: 5, openFor: 30s }\n"
        + extra;
  }

  @AfterEach
  void tearDown() {
    if (admin != null) admin.close();
    if (http != null) {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
    for (Greeter g : new Greeter[] {a, b, flaky}) if (g != null) g.close();
    if (clientMesh != null) clientMesh.close();
    if (serverMesh != null) serverMesh.close();
    if (registry != null) registry.close();
  }

  @Test
  void anEndpointKilledUnderCallsArrivesAsAnEjectedEventForItsAddress() throws Exception {
    start();
    try (SseClient events = new SseClient(admin.address())) {
      await().atMost(Duration.ofSeconds(5)).until(() -> admin.server().streams() == 1);
      call("greeter", 20);
      b.close();
      String victim = "127.0.0.1:" + b.port();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(call("greeter", 5)).isEqualTo(5);        // every call still succeeds
        assertThat(events.ofType("ejected")).anySatisfy(e -> assertThat(e.data())
            .contains("\"service\":\"greeter\"", "\"endpoint\":\"" + victim + "\"", "\"detail\":\"ejected for 30000 ms (1 in a row)\""));
      });
    }
  }

  @Test
  void aFailingServiceOpensItsBreakerAndTheEventSaysSo() throws Exception {
    start();
    try (SseClient events = new SseClient(admin.address())) {
      await().atMost(Duration.ofSeconds(5)).until(() -> admin.server().streams() == 1);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        call("flaky", 5);
        assertThat(events.ofType("circuit")).anySatisfy(e -> assertThat(e.data())
            .contains("\"service\":\"flaky\"", "\"detail\":\"closed -> open\""));
      });
      // Refused calls while open are reported too (at most 5 a second).
      call("flaky", 20);
      await().atMost(Duration.ofSeconds(5)).until(() -> !events.ofType("call-refused").isEmpty());
      assertThat(events.ofType("call-refused").get(0).data()).contains("\"service\":\"flaky\"");
      assertThat(events.ofType("call-refused").size()).isLessThanOrEqualTo(10);
    }
  }

  @Test
  void aRejectedRegistryDocumentAndANewVersionArriveAsEvents() throws Exception {
    start();
    try (SseClient events = new SseClient(admin.address())) {
      await().atMost(Duration.ofSeconds(5)).until(() -> admin.server().streams() == 1);
      clientMesh.destination("flaky");       // versions count changes to watched services
      write(document("      loadBalancer: fastest\n"));
      await().atMost(Duration.ofSeconds(10)).until(() -> !events.ofType("registry-rejected").isEmpty());
      assertThat(events.ofType("registry-rejected").get(0).data())
          .contains("mesh.yaml:16:21: services.flaky.client.loadBalancer: 'fastest'");
      write(document("      loadBalancer: round-robin\n"));
      await().atMost(Duration.ofSeconds(10)).until(() -> !events.ofType("registry-updated").isEmpty());
      assertThat(events.ofType("registry-updated").get(0).data()).containsPattern("\"detail\":\"version \\d+\"");
    }
  }

  @Test
  void theAdminPortIsAnnouncedOnThisProcesssRegistrations() throws Exception {
    try (InMemoryRegistry memory = InMemoryRegistry.create();
        Mesh mesh = Mesh.builder().serviceName("frontend").registry(memory).meterRegistry(new SimpleMeterRegistry()).build();
        MeshAdmin own = MeshAdmin.start(mesh, 0)) {
      mesh.register(Endpoint.ofPort("127.0.0.1", "http", 18080));
      Endpoint registered = mesh.destination("frontend").snapshot().config().endpoints().get(0);
      assertThat(registered.port("admin")).hasValue(own.address().getPort());
      assertThat(registered.port("http")).hasValue(18080);
    }
  }

  /** Calls {@code service} n times; returns how many answered 200. */
  private int call(String service, int n) {
    int ok = 0;
    for (int i = 0; i < n; i++) {
      try (Response r = http.newCall(new Request.Builder().url("http://" + service + "/hello").build()).execute()) {
        if (r.code() == 200) ok++;
      } catch (IOException e) {
        // refused or failed: counted as not ok
      }
    }
    return ok;
  }

  private void write(String text) throws IOException {
    Path tmp = dir.resolve("mesh.yaml.tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

}
