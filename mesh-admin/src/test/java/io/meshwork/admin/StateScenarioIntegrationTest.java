package io.meshwork.admin;

import static io.meshwork.admin.Documents.destination;
import static io.meshwork.admin.Documents.endpoint;
import static io.meshwork.admin.Documents.list;
import static io.meshwork.admin.Documents.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import io.meshwork.core.Mesh;
import io.meshwork.core.registry.FileRegistry;
import io.meshwork.core.testing.FakeTicker;
import io.meshwork.http.MeshHttp;
import io.meshwork.http.MeshHttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * state.json under a scripted scenario on real parts: mesh-http servers on 127.0.0.1, a real
 * OkHttp client through the mesh, a file registry on a temp file. An endpoint killed under calls
 * shows ejected; a breaker opened shows open with its next probe; a refused registry document
 * shows its file, line and column while the old one keeps serving; the golden metrics count the
 * calls. The state's one-second windows run on a fake ticker; I/O waits are bounded.
 */
class StateScenarioIntegrationTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private Path file;
  private FileRegistry registry;
  private Mesh serverMesh;
  private Mesh clientMesh;
  private OkHttpClient client;
  private MeshState state;
  private final FakeTicker stateTicker = new FakeTicker();
  private final List<MeshHttpServer> servers = new ArrayList<>();
  private final List<AtomicInteger> statuses = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    file = dir.resolve("mesh.yaml");
    write("services: {}\n");
    registry = FileRegistry.builder(file).pollInterval(Duration.ofMillis(50)).build();
    serverMesh = Mesh.builder().serviceName("greeter").registry(registry)
        .meterRegistry(new SimpleMeterRegistry()).build();
    for (int i = 0; i < 4; i++) {
      AtomicInteger status = new AtomicInteger(200);
      statuses.add(status);
      servers.add(MeshHttp.server(serverMesh).bind("127.0.0.1", 0)
          .handler("/", exchange -> answer(exchange, status.get())).start());
    }
    write(document(servers.stream().map(MeshHttpServer::port).toList(), "2s"));
    await().atMost(WAIT).until(() -> registry.document().service("greeter").endpoints().size() == 3);
    clientMesh = Mesh.builder().serviceName("frontend").registry(registry)
        .meterRegistry(new SimpleMeterRegistry()).build();
    client = MeshHttp.client(clientMesh);
    state = MeshState.start(clientMesh, Clock.systemUTC(), stateTicker);
  }

  @AfterEach
  void tearDown() {
    if (state != null) state.close();
    if (client != null) {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
    servers.forEach(MeshHttpServer::close);
    if (clientMesh != null) clientMesh.close();
    if (serverMesh != null) serverMesh.close();
    if (registry != null) registry.close();
  }

  /**
   * greeter on the first three ports (retries on connect failures, ejection after two failures
   * in a row for 30 s); flaky on the fourth (no retries, no ejection, a breaker that opens at
   * 50% failures of at least 5 calls, for 30 s).
   */
  private static String document(List<Integer> ports, String greeterTimeout) {
    return """
        services:
          greeter:
            endpoints:
              - { address: 127.0.0.1:%d, labels: { version: v1 } }
              - { address: 127.0.0.1:%d, labels: { version: v1 } }
              - { address: 127.0.0.1:%d, labels: { version: v2 } }
            client:
              timeout: %s
              retries: { maxAttempts: 3, on: [connect-failure], backoff: { base: 1ms, max: 5ms } }
              outlierDetection: { consecutiveFailures: 2, baseEjection: 30s, maxEjection: 30s, maxEjectedPercent: 50 }
          flaky:
            endpoints:
              - { address: 127.0.0.1:%d }
            client:
              retries: { maxAttempts: 1 }
              outlierDetection: { enabled: false }
              circuitBreaker: { failureRate: 50, window: 20s, minCalls: 5, openFor: 30s }
        """.formatted(ports.get(0), ports.get(1), ports.get(2), greeterTimeout, ports.get(3));
  }

  private void write(String text) throws IOException {
    Path tmp = dir.resolve("mesh.yaml.tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void answer(HttpExchange exchange, int status) throws IOException {
    exchange.getRequestBody().readAllBytes();
    byte[] body = (status == 200 ? "ok" : "unavailable").getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  /** One GET through the mesh: its status, or -1 when the mesh failed it. */
  private int get(String service) {
    Request request = new Request.Builder().url("http://" + service + "/hello").build();
    try (Response response = client.newCall(request).execute()) {
      response.body().string();
      return response.code();
    } catch (IOException e) {
      return -1;
    }
  }

  private String address(int server) {
    return "127.0.0.1:" + servers.get(server).port();
  }

  @Test
  void goldenMetricsCountRealCalls() {
    for (int i = 0; i < 30; i++) assertThat(get("greeter")).isEqualTo(200);
    stateTicker.advanceMillis(1_000);

    Map<String, Object> golden = map(destination(state.document(), "greeter").get("golden"));
    assertThat(golden.get("windowSeconds")).isEqualTo(1L);
    assertThat((Double) golden.get("requestsPerSecond")).isEqualTo(30.0);
    assertThat((Double) golden.get("successRate")).isEqualTo(1.0);
    assertThat((Double) golden.get("p50Ms")).isPositive().isLessThanOrEqualTo((Double) golden.get("p99Ms"));
  }

  @Test
  void anEndpointKilledUnderCallsShowsEjectedWithItsCount() {
    for (int i = 0; i < 10; i++) assertThat(get("greeter")).isEqualTo(200);
    String victim = address(1);
    servers.get(1).close();

    await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> {
      assertThat(get("greeter")).as("retries hide the dead endpoint from callers").isEqualTo(200);
      return "ejected".equals(endpoint(destination(state.document(), "greeter"), victim).get("state"));
    });
    Map<String, Object> dead = endpoint(destination(state.document(), "greeter"), victim);
    assertThat((Long) dead.get("ejections")).isGreaterThanOrEqualTo(1L);
    assertThat((Long) dead.get("ejectedForMs")).isPositive().isLessThanOrEqualTo(30_000L);
    assertThat((Long) dead.get("failures")).isGreaterThanOrEqualTo(2L);
    assertThat(endpoint(destination(state.document(), "greeter"), address(0)).get("state")).isEqualTo("serving");
  }

  @Test
  void aBreakerOpenedShowsOpenWithItsNextProbe() {
    statuses.get(3).set(503);
    await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> {
      get("flaky");
      return "open".equals(map(destination(state.document(), "flaky").get("circuit")).get("state"));
    });
    Map<String, Object> circuit = map(destination(state.document(), "flaky").get("circuit"));
    assertThat((Long) circuit.get("probeInMs")).isPositive().isLessThanOrEqualTo(30_000L);
    assertThat(get("flaky")).as("an open circuit refuses the call").isEqualTo(-1);

    stateTicker.advanceMillis(1_000);
    Map<String, Object> golden = map(destination(state.document(), "flaky").get("golden"));
    assertThat((Double) golden.get("successRate")).isEqualTo(0.0);
  }

  @Test
  void aRefusedRegistryDocumentShowsItsProblemAndTheOldOneStaysInForce() throws IOException {
    assertThat(get("greeter")).isEqualTo(200);
    List<Integer> ports = servers.stream().map(MeshHttpServer::port).toList();
    String bad = document(ports, "soon");
    write(bad);

    await().atMost(WAIT).until(() -> !list(map(state.document().get("registry")).get("problems")).isEmpty());
    Map<String, Object> registryState = map(state.document().get("registry"));
    Map<String, Object> problem = map(list(registryState.get("problems")).get(0));
    int expectedLine = 1 + (int) bad.lines().takeWhile(l -> !l.contains("timeout: soon")).count();
    assertThat((String) problem.get("source")).endsWith("mesh.yaml");
    assertThat(problem.get("line")).isEqualTo((long) expectedLine);
    assertThat((Long) problem.get("column")).isPositive();
    assertThat((String) problem.get("message")).contains("soon");
    assertThat(registryState.get("kind")).isEqualTo("FileRegistry");
    // The last good document serves on: greeter's endpoints and timeout are unchanged.
    for (int i = 0; i < 5; i++) assertThat(get("greeter")).isEqualTo(200);
    assertThat(destination(state.document(), "greeter").get("timeout")).isEqualTo("2s");
  }
}
