package io.meshwork.admin;

import static io.meshwork.admin.Documents.list;
import static io.meshwork.admin.Documents.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.meshwork.core.Attempt;
import io.meshwork.core.Call;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshRequest;
import io.meshwork.core.Outcome;
import io.meshwork.core.model.Address;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.core.testing.FakeTicker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * mesh.json across real processes' worth of parts: two meshes in this JVM, each with its state
 * served by a tiny HTTP server on 127.0.0.1 (standing in for the admin server), found through
 * the {@code admin} named port of the registry's endpoints; one peer is down, one never answers.
 */
class MeshViewIntegrationTest {
  private static final Duration PEER_TIMEOUT = Duration.ofMillis(2_000);

  private final FakeTicker ticker = new FakeTicker();
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh frontend = Mesh.builder().serviceName("frontend").registry(registry)
      .meterRegistry(new SimpleMeterRegistry()).ticker(ticker).build();
  private final Mesh greeter = Mesh.builder().serviceName("greeter").registry(registry)
      .meterRegistry(new SimpleMeterRegistry()).build();
  private final MeshState frontendState = MeshState.start(frontend, Clock.systemUTC(), ticker);
  private final MeshState greeterState = MeshState.start(greeter, Clock.systemUTC(), ticker);
  private final ExecutorService clientThreads = Executors.newFixedThreadPool(2);
  private final HttpClient http = HttpClient.newBuilder().executor(clientThreads).build();
  private final List<HttpServer> servers = new ArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private int greeterAdmin;
  private int slowAdmin;
  private int deadAdmin;

  @BeforeEach
  void setUp() throws IOException {
    greeterAdmin = serve(() -> greeterState.json(), false);
    slowAdmin = serve(() -> greeterState.json(), true);
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      deadAdmin = s.getLocalPort();
    }
    registry.putService(ServiceConfig.builder("greeter")
        .addEndpoint(endpoint(8081, greeterAdmin))
        .addEndpoint(endpoint(8082, slowAdmin))
        .addEndpoint(endpoint(8083, deadAdmin))
        .addEndpoint(Endpoint.of("127.0.0.1:8084"))
        .build());
    registry.putService(ServiceConfig.builder("frontend").addEndpoint(Endpoint.of("127.0.0.1:8090")).build());
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    release.countDown();
    servers.forEach(s -> s.stop(0));
    clientThreads.shutdownNow();
    clientThreads.awaitTermination(5, TimeUnit.SECONDS);
    frontendState.close();
    greeterState.close();
    frontend.close();
    greeter.close();
    registry.close();
  }

  private static Endpoint endpoint(int port, int admin) {
    return new Endpoint(new Address("127.0.0.1", port), "", 100, Map.of(), Map.of("http", port, "admin", admin));
  }

  /** An HTTP server on 127.0.0.1 answering {@code /admin/state.json}; a slow one never answers in time. */
  private int serve(Supplier<String> body, boolean slow) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/admin/state.json", exchange -> {
      if (slow) {
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    });
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "test-admin");
      t.setDaemon(true);
      return t;
    }));
    server.start();
    servers.add(server);
    return server.getAddress().getPort();
  }

  private void callGreeter(int n) {
    var d = frontend.destination("greeter");
    for (int i = 0; i < n; i++) {
      try (Call call = d.newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
        Attempt a = call.nextAttempt();
        ticker.advanceMillis(2);
        a.complete(Outcome.http(200));
      }
    }
  }

  private static Map<String, Object> process(Map<String, Object> view, String admin) {
    for (Object p : list(view.get("processes"))) {
      if (admin.equals(map(p).get("admin"))) return map(p);
    }
    throw new AssertionError("no process " + admin + " in " + view.get("processes"));
  }

  @Test
  void theViewListsSelfAndEachPeerAndSaysWhichDidNotAnswer() throws Exception {
    callGreeter(20);
    ticker.advanceMillis(1_000);
    MeshView view = new MeshView(frontendState, http, PEER_TIMEOUT, MeshView.DEFAULT_MAX_PEERS);

    long started = System.nanoTime();
    String text = view.json().get(10, TimeUnit.SECONDS);
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    Map<String, Object> doc = Documents.parse(text);
    // The document keeps to its published schema, ok and unreachable peers alike.
    assertThat(meshSchema().validate(text, com.networknt.schema.InputFormat.JSON)).as(text).isEmpty();
    assertThat(doc).containsEntry("peersLeftOut", 0L);

    assertThat(doc.get("schema")).isEqualTo(MeshView.SCHEMA);
    assertThat(doc.get("self")).isEqualTo("frontend");
    List<Object> processes = list(doc.get("processes"));
    assertThat(processes).hasSize(4);
    Map<String, Object> self = map(processes.get(0));
    assertThat(self).containsEntry("service", "frontend").containsEntry("status", "ok");
    Map<String, Object> toGreeter = map(list(self.get("destinations")).get(0));
    assertThat(toGreeter).containsEntry("service", "greeter").containsEntry("successRate", 1.0);
    assertThat((Double) toGreeter.get("requestsPerSecond")).isEqualTo(20.0);

    Map<String, Object> up = process(doc, "http://127.0.0.1:" + greeterAdmin + "/admin");
    assertThat(up).as("%s", up).containsEntry("service", "greeter").containsEntry("status", "ok");
    assertThat(up.get("destinations")).isEqualTo(List.of());
    assertThat(process(doc, "http://127.0.0.1:" + deadAdmin + "/admin"))
        .containsEntry("service", "greeter").containsEntry("status", "unreachable")
        .containsEntry("error", "connection refused");
    assertThat(process(doc, "http://127.0.0.1:" + slowAdmin + "/admin"))
        .containsEntry("status", "unreachable").containsEntry("error", "timed out after 2000 ms");
    // Asked at once: the slow peer's timeout bounds the whole, not the sum of the peers'.
    assertThat(tookMillis).isLessThan(8_000);
  }

  @Test
  void theViewIsCachedForTwoSeconds() throws Exception {
    MeshView view = new MeshView(frontendState, http, PEER_TIMEOUT, 0);
    frontend.destination("greeter");
    CompletableFuture<String> first = view.json();
    assertThat(view.json()).isSameAs(first);
    ticker.advanceMillis(1_999);
    assertThat(view.json()).isSameAs(first);
    ticker.advanceMillis(1);
    assertThat(view.json()).isNotSameAs(first);
  }

  @Test
  void atMostMaxPeersAreAsked() throws Exception {
    frontend.destination("greeter");
    MeshView view = new MeshView(frontendState, http, PEER_TIMEOUT, 1);
    Map<String, Object> doc = Documents.parse(view.json().get(10, TimeUnit.SECONDS));
    assertThat(list(doc.get("processes"))).hasSize(2);
    assertThat(doc).as("three peers, one asked").containsEntry("peersLeftOut", 2L);
  }

  @Test
  void badSettingsAreRefusedByName() {
    assertThatThrownBy(() -> new MeshView(frontendState, http, Duration.ZERO, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("peerTimeout");
    assertThatThrownBy(() -> new MeshView(frontendState, http, PEER_TIMEOUT, -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxPeers: -1");
  }

  @Test
  void thePeerParserReadsStateJsonAndRefusesBrokenText() {
    callGreeter(3);
    ticker.advanceMillis(1_000);
    String json = frontendState.json();
    assertThat(Documents.normalized(JsonParser.parse(json))).isEqualTo(Documents.parse(json));
    assertThatThrownBy(() -> JsonParser.parse("{\"a\":[1,2}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("offset 9");
    assertThatThrownBy(() -> JsonParser.parse("[".repeat(100)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nesting");
  }

  /** The published schema of mesh.json. */
  static com.networknt.schema.Schema meshSchema() throws java.io.IOException {
    try (java.io.InputStream in = MeshView.class.getResourceAsStream("/io/meshwork/admin/mesh-v1.schema.json")) {
      assertThat(in).as("mesh-v1.schema.json").isNotNull();
      return com.networknt.schema.SchemaRegistry.withDefaultDialect(com.networknt.schema.SpecificationVersion.DRAFT_2020_12)
          .getSchema(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8),
              com.networknt.schema.InputFormat.JSON);
    }
  }
}
