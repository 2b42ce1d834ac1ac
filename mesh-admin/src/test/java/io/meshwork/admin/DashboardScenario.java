package io.meshwork.admin;

import com.sun.net.httpserver.HttpExchange;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.CircuitBreakerPolicy;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.LoadBalancerKind;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.OutlierDetectionPolicy;
import io.meshwork.core.model.RetryCondition;
import io.meshwork.core.model.RetryPolicy;
import io.meshwork.core.model.ServerPolicy;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.http.MeshHttp;
import io.meshwork.http.MeshHttpServer;
import io.meshwork.tls.MeshTls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * A small running mesh for the dashboard, all on 127.0.0.1 with strict mutual TLS from a
 * development CA: {@code loadgen} sends a steady trickle of calls to {@code frontend}, whose
 * handler calls {@code greeter}, three real mesh-http servers, and, for its first
 * {@link #QUOTES_CALLS} requests only, {@code quotes}, one server that always answers 503 (its
 * breaker opens, then no call reaches it). Every process but loadgen and quotes has its own
 * {@link MeshAdmin}; the registry names each endpoint's {@code admin} port, so frontend's
 * dashboard can draw the whole mesh. {@link #kill(int)} takes one greeter down without
 * withdrawing it from the registry, as a crash would.
 */
final class DashboardScenario implements AutoCloseable {

  /**
   * Retries hide a dead greeter; two failures in a row eject it for 30 s (one of three at most).
   * Round robin, so that the dead one is sure to be tried again (peak EWMA may shun it after one
   * failure, and then it is never ejected).
   */
  static final ClientPolicy GREETER_CLIENT = ClientPolicy.builder()
      .timeout(Duration.ofSeconds(2))
      .loadBalancer(LoadBalancerKind.ROUND_ROBIN)
      .retries(RetryPolicy.DEFAULT
          .withOn(EnumSet.of(RetryCondition.CONNECT_FAILURE, RetryCondition.RESET, RetryCondition.UNAVAILABLE), Set.of())
          .withBackoff(Duration.ofMillis(1), Duration.ofMillis(5)))
      .outlierDetection(new OutlierDetectionPolicy(true, 2, Duration.ofSeconds(30), Duration.ofSeconds(30), 50, 50))
      .build();

  /** quotes' breaker opens at 50% failures of at least 5 calls, for 60 s. */
  static final ClientPolicy QUOTES_CLIENT = ClientPolicy.builder()
      .retries(RetryPolicy.DEFAULT.withMaxAttempts(1))
      .outlierDetection(OutlierDetectionPolicy.DEFAULT.withEnabled(false))
      .circuitBreaker(new CircuitBreakerPolicy(true, 50, Duration.ofSeconds(10), 5, Duration.ofSeconds(60), 1))
      .build();
  static final int QUOTES_CALLS = 8;

  final InMemoryRegistry registry = InMemoryRegistry.create();
  final List<Greeter> greeters = new ArrayList<>();
  private final Set<Integer> killed = new java.util.HashSet<>();
  final Mesh frontendMesh;
  final MeshAdmin frontendAdmin;
  final AtomicInteger ok = new AtomicInteger();
  private final MeshHttpServer frontendServer;
  private final Mesh quotesMesh;
  private final MeshHttpServer quotesServer;
  private final AtomicInteger quotesCalls = new AtomicInteger();
  private final OkHttpClient frontendClient;
  private final Mesh loadgenMesh;
  private final OkHttpClient loadgenClient;
  private final ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "dashboard-loadgen");
    t.setDaemon(true);
    return t;
  });

  /** One greeter process: its mesh, its server and its admin server. */
  record Greeter(Mesh mesh, MeshHttpServer server, MeshAdmin admin) {
    String address() {
      return "127.0.0.1:" + server.port();
    }

    void close() {
      server.close();
      admin.close();
      mesh.close();
    }
  }

  DashboardScenario(Path caFolder, int greeterCount) {
    registry.setMesh(new MeshSettings("meshwork.local", TlsMode.STRICT));
    List<Endpoint> greeterEndpoints = new ArrayList<>();
    for (int i = 0; i < greeterCount; i++) {
      Mesh mesh = mesh("greeter", caFolder);
      MeshAdmin admin = MeshAdmin.start(mesh, 0);
      MeshHttpServer server = MeshHttp.server(mesh).bind("127.0.0.1", 0)
          .handler("/", exchange -> answer(exchange, 200, "hello")).start();
      greeters.add(new Greeter(mesh, server, admin));
      greeterEndpoints.add(endpoint(server.port(), admin.address().getPort(), i == greeterCount - 1 ? "v2" : "v1"));
    }
    registry.putService(ServiceConfig.builder("greeter").endpoints(greeterEndpoints).client(GREETER_CLIENT)
        .server(new ServerPolicy(List.of("frontend"))).build());

    quotesMesh = mesh("quotes", caFolder);
    quotesServer = MeshHttp.server(quotesMesh).bind("127.0.0.1", 0)
        .handler("/", exchange -> answer(exchange, 503, "no quotes today")).start();
    registry.putService(ServiceConfig.builder("quotes")
        .endpoints(List.of(Endpoint.of("127.0.0.1:" + quotesServer.port()))).client(QUOTES_CLIENT)
        .server(new ServerPolicy(List.of("frontend"))).build());

    frontendMesh = mesh("frontend", caFolder);
    frontendAdmin = MeshAdmin.start(frontendMesh, 0);
    frontendClient = MeshHttp.client(frontendMesh);
    frontendServer = MeshHttp.server(frontendMesh).bind("127.0.0.1", 0)
        .handler("/", exchange -> {
          int status = call(frontendClient, "greeter");
          if (quotesCalls.incrementAndGet() <= QUOTES_CALLS) {
            call(frontendClient, "quotes"); // best effort: the page does without a quote
          }
          answer(exchange, status == 200 ? 200 : 502, status == 200 ? "hello" : "greeter said " + status);
        }).start();
    registry.putService(ServiceConfig.builder("frontend")
        .endpoints(List.of(endpoint(frontendServer.port(), frontendAdmin.address().getPort(), "v1")))
        .server(new ServerPolicy(List.of("loadgen"))).build());

    loadgenMesh = mesh("loadgen", caFolder);
    loadgenClient = MeshHttp.client(loadgenMesh);
  }

  /** Calls frontend every {@code periodMillis} until closed (about 1000 / period calls a second). */
  DashboardScenario startTrickle(long periodMillis) {
    trickle.scheduleAtFixedRate(() -> {
      if (call(loadgenClient, "frontend") == 200) {
        ok.incrementAndGet();
      }
    }, 0, periodMillis, TimeUnit.MILLISECONDS);
    return this;
  }

  /** Stops greeter {@code i}'s server, admin server and mesh, leaving it in the registry. */
  String kill(int i) {
    Greeter g = greeters.get(i);
    if (killed.add(i)) {
      g.close();
    }
    return g.address();
  }

  private Mesh mesh(String service, Path caFolder) {
    return Mesh.builder().serviceName(service).registry(registry)
        .meterRegistry(new SimpleMeterRegistry()).identity(MeshTls.developmentCa(caFolder)).build();
  }

  private static Endpoint endpoint(int httpPort, int adminPort, String version) {
    Map<String, Integer> ports = new LinkedHashMap<>();
    ports.put("http", httpPort);
    ports.put("admin", adminPort);
    Endpoint e = Endpoint.ofPorts("127.0.0.1", ports, "http");
    return new Endpoint(e.address(), "z1", 100, Map.of("version", version), e.ports());
  }

  private static int call(OkHttpClient client, String service) {
    Request request = new Request.Builder().url("http://" + service + "/hello").build();
    try (Response response = client.newCall(request).execute()) {
      response.body().string();
      return response.code();
    } catch (IOException e) {
      return -1;
    }
  }

  private static void answer(HttpExchange exchange, int status, String text) throws IOException {
    exchange.getRequestBody().readAllBytes();
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    trickle.shutdownNow();
    try {
      trickle.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (OkHttpClient c : List.of(loadgenClient, frontendClient)) {
      c.dispatcher().executorService().shutdown();
      c.connectionPool().evictAll();
    }
    loadgenMesh.close();
    frontendServer.close();
    frontendAdmin.close();
    frontendMesh.close();
    quotesServer.close();
    quotesMesh.close();
    for (int i = 0; i < greeters.size(); i++) {
      kill(i);
    }
    registry.close();
  }
}
