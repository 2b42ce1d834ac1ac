package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import io.meshwork.core.Mesh;
import io.meshwork.core.registry.InMemoryRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A → B → C on loopback with a real OpenTelemetry SDK: B's handler calls C through its mesh
 * client and forwards nothing by hand, yet every span lands in one trace, each the child of the
 * one before.
 */
class TracePropagationIntegrationTest {
  private static final AttributeKey<Long> RESEND_COUNT = AttributeKey.longKey("http.request.resend_count");
  private static final AttributeKey<Long> STATUS_CODE = AttributeKey.longKey("http.response.status_code");
  private static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  private final Tracing tracing = new Tracing(W3CTraceContextPropagator.getInstance());
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh meshA = tracing.mesh("a", registry);
  private final Mesh meshB = tracing.mesh("b", registry);
  private final Mesh meshC = tracing.mesh("c", registry);
  private final OkHttpClient clientA = MeshHttp.client(meshA);
  private final OkHttpClient clientB = MeshHttp.client(meshB);
  private MeshHttpServer serverB;
  private MeshHttpServer serverC;

  @AfterEach
  void tearDown() {
    if (serverB != null) serverB.close();
    if (serverC != null) serverC.close();
    meshA.close();
    meshB.close();
    meshC.close();
    registry.close();
    clientA.dispatcher().executorService().shutdown();
    clientB.dispatcher().executorService().shutdown();
    tracing.close();
  }

  @Test
  void aCallFromAThroughBToCIsOneTraceOfParentAndChildSpansAndBsRetryIsASiblingWithResendCountOne() throws IOException {
    AtomicInteger cRequests = new AtomicInteger();
    serverC = MeshHttpServer.builder(meshC).handler("/", exchange ->
        // The first request gets 503, which the default policy retries.
        respond(exchange, cRequests.incrementAndGet() == 1 ? 503 : 200, "c")).register(true).start();
    serverB = MeshHttpServer.builder(meshB).handler("/", exchange -> {
      // No header forwarding: the call to C runs inside this request's context.
      try (Response r = clientB.newCall(new Request.Builder().url("http://c/work?x=1").build()).execute()) {
        respond(exchange, r.code(), "b+" + r.body().string());
      }
    }).register(true).start();

    try (Response r = clientA.newCall(new Request.Builder().url("http://b/hop").build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.body().string()).isEqualTo("b+c");
    }

    // Server spans end when their exchange closes, which may be just after the client has its answer.
    await().atMost(Duration.ofSeconds(5)).until(() -> tracing.spans().size() == 6);
    List<SpanData> spans = tracing.spans();
    assertThat(spans).extracting(SpanData::getTraceId).as("trace ids").containsOnly(spans.get(0).getTraceId());

    SpanData aClient = single(spans, SpanKind.CLIENT, serverB.port());
    SpanData bServer = single(spans, SpanKind.SERVER, serverB.port());
    List<SpanData> bClients = all(spans, SpanKind.CLIENT, serverC.port());
    List<SpanData> cServers = all(spans, SpanKind.SERVER, serverC.port());

    assertThat(aClient.getParentSpanId()).as("A's client span is the root").isEqualTo(SpanId.getInvalid());
    assertThat(bServer.getParentSpanId()).isEqualTo(aClient.getSpanId());
    assertThat(bClients).hasSize(2).allSatisfy(s -> assertThat(s.getParentSpanId()).isEqualTo(bServer.getSpanId()));
    SpanData first = bClients.get(0);
    SpanData retry = bClients.get(1);
    assertThat(cServers).hasSize(2);
    assertThat(cServers.get(0).getParentSpanId()).isEqualTo(first.getSpanId());
    assertThat(cServers.get(1).getParentSpanId()).isEqualTo(retry.getSpanId());

    assertThat(first.getAttributes().get(RESEND_COUNT)).as("resend count of the first attempt").isNull();
    assertThat(first.getAttributes().get(STATUS_CODE)).isEqualTo(503L);
    assertThat(first.getAttributes().get(ERROR_TYPE)).isEqualTo("503");
    assertThat(first.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(retry.getAttributes().get(RESEND_COUNT)).isEqualTo(1L);
    assertThat(retry.getAttributes().get(STATUS_CODE)).isEqualTo(200L);
    assertThat(retry.getAttributes().get(ERROR_TYPE)).isNull();
    assertThat(cServers.get(0).getAttributes().get(ERROR_TYPE)).as("a server's 5xx is an error").isEqualTo("503");
  }

  @Test
  void signedUrlSecretsStayOutOfClientAndServerSpans() throws IOException {
    serverC = MeshHttpServer.builder(meshC).handler("/work", exchange -> respond(exchange, 200, "c")).register(true).start();
    String query = "x=1&Signature=s3cret&X-Goog-Signature=0badc0de";
    try (Response r = clientB.newCall(new Request.Builder().url("http://c/work/items?" + query).build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> tracing.spans().size() == 2);
    SpanData client = single(tracing.spans(), SpanKind.CLIENT, serverC.port());
    SpanData server = single(tracing.spans(), SpanKind.SERVER, serverC.port());

    String redacted = "x=1&Signature=REDACTED&X-Goog-Signature=REDACTED";
    assertThat(attributes(client)).containsEntry("url.full",
        "http://127.0.0.1:" + serverC.port() + "/work/items?" + redacted);
    assertThat(attributes(server)).containsEntry("url.query", redacted);
    for (SpanData span : tracing.spans()) {
      assertThat(attributes(span).values()).noneMatch(v -> v.contains("s3cret") || v.contains("0badc0de"));
    }
  }

  @Test
  void spansCarryTheHttpSemanticConventionAttributes() throws IOException {
    serverC = MeshHttpServer.builder(meshC).handler("/work", exchange -> respond(exchange, 200, "c")).register(true).start();
    try (Response r = clientB.newCall(new Request.Builder().url("http://c/work/items?x=1").build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> tracing.spans().size() == 2);
    SpanData client = single(tracing.spans(), SpanKind.CLIENT, serverC.port());
    SpanData server = single(tracing.spans(), SpanKind.SERVER, serverC.port());
    String port = Integer.toString(serverC.port());

    assertThat(client.getName()).isEqualTo("GET");
    assertThat(client.getInstrumentationScopeInfo().getName()).isEqualTo("io.meshwork.http");
    assertThat(attributes(client)).containsEntry("http.request.method", "GET")
        .containsEntry("server.address", "127.0.0.1")
        .containsEntry("server.port", port)
        .containsEntry("url.full", "http://127.0.0.1:" + port + "/work/items?x=1")
        .containsEntry("peer.service", "c")
        .containsEntry("http.response.status_code", "200")
        .containsEntry("network.protocol.version", "1.1")
        .doesNotContainKeys("error.type", "http.request.resend_count");

    assertThat(server.getName()).isEqualTo("GET /work");
    assertThat(server.getInstrumentationScopeInfo().getName()).isEqualTo("io.meshwork.inbound");
    assertThat(attributes(server)).containsEntry("http.request.method", "GET")
        .containsEntry("url.scheme", "http")
        .containsEntry("url.path", "/work/items")
        .containsEntry("url.query", "x=1")
        .containsEntry("http.route", "/work")
        .containsEntry("server.address", "127.0.0.1")
        .containsEntry("server.port", port)
        .containsEntry("client.address", "127.0.0.1")
        .containsEntry("http.response.status_code", "200")
        .containsKeys("network.peer.port", "user_agent.original")
        .doesNotContainKey("error.type");
  }

  @Test
  void aPassThroughRequestGetsItsOwnClientSpanAndCarriesItAsTheParent() throws IOException {
    serverC = MeshHttpServer.builder(meshC).handler("/", exchange -> respond(exchange, 200, "c")).start();
    try (Response r = clientB.newCall(new Request.Builder().url("http://127.0.0.1:" + serverC.port() + "/plain").build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> tracing.spans().size() == 2);
    SpanData client = single(tracing.spans(), SpanKind.CLIENT, serverC.port());
    SpanData server = single(tracing.spans(), SpanKind.SERVER, serverC.port());
    assertThat(server.getParentSpanId()).isEqualTo(client.getSpanId());
    assertThat(server.getTraceId()).isEqualTo(client.getTraceId());
    assertThat(attributes(client)).doesNotContainKey("peer.service");
  }

  @Test
  void aConnectionFailureEndsTheAttemptsSpanWithTheExceptionTypeAsErrorType() throws IOException {
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    try (Response r = clientB.newCall(new Request.Builder().url("http://127.0.0.1:" + closedPort + "/").build()).execute()) {
      throw new AssertionError("expected a connection failure, got " + r.code());
    } catch (java.net.ConnectException expected) {
      // the span records it
    }
    SpanData client = single(tracing.spans(), SpanKind.CLIENT, closedPort);
    assertThat(client.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(client.getAttributes().get(ERROR_TYPE)).isEqualTo("java.net.ConnectException");
    assertThat(client.getAttributes().get(STATUS_CODE)).isNull();
  }

  @Test
  void withTracingOffInTheMeshTheCallersOwnSpanIsNeitherEndedNorChangedButStillPropagated() throws IOException {
    Mesh untraced = Mesh.builder().serviceName("untraced").registry(registry)
        .meterRegistry(new io.micrometer.core.instrument.simple.SimpleMeterRegistry())
        .openTelemetry(io.opentelemetry.api.OpenTelemetry.propagating(
            io.opentelemetry.context.propagation.ContextPropagators.create(W3CTraceContextPropagator.getInstance())))
        .build();
    OkHttpClient client = MeshHttp.client(untraced);
    java.util.Queue<String> traceparents = new java.util.concurrent.ConcurrentLinkedQueue<>();
    serverC = MeshHttpServer.builder(meshC).handler("/", exchange -> {
      traceparents.add(String.valueOf(exchange.getRequestHeaders().getFirst("traceparent")));
      respond(exchange, 200, "c");
    }).register(true).start();
    io.opentelemetry.api.trace.Span own = tracing.openTelemetry.getTracer("app").spanBuilder("app work").startSpan();
    try (untraced; io.opentelemetry.context.Scope ignored = own.makeCurrent()) {
      for (String url : new String[] {"http://c/", "http://127.0.0.1:" + serverC.port() + "/"}) {
        try (Response r = client.newCall(new Request.Builder().url(url).build()).execute()) {
          assertThat(r.code()).isEqualTo(200);
        }
      }
    } finally {
      client.dispatcher().executorService().shutdown();
    }
    assertThat(own.isRecording()).as("the caller's span is still open").isTrue();
    own.end();
    await().atMost(Duration.ofSeconds(5)).until(() -> tracing.spans().stream().anyMatch(s -> s.getName().equals("app work")));
    SpanData app = tracing.spans().stream().filter(s -> s.getName().equals("app work")).findFirst().orElseThrow();
    assertThat(app.getAttributes().isEmpty()).as("attributes on the caller's span").isTrue();
    assertThat(traceparents).hasSize(2)
        .allSatisfy(tp -> assertThat(tp).isEqualTo("00-" + app.getTraceId() + "-" + app.getSpanId() + "-"
            + app.getSpanContext().getTraceFlags().asHex()));
  }

  private static SpanData single(List<SpanData> spans, SpanKind kind, int port) {
    List<SpanData> found = all(spans, kind, port);
    assertThat(found).as(kind + " spans to port " + port + " in " + spans).hasSize(1);
    return found.get(0);
  }

  /** Spans of {@code kind} whose {@code server.port} is {@code port}, in start order. */
  private static List<SpanData> all(List<SpanData> spans, SpanKind kind, int port) {
    return spans.stream()
        .filter(s -> s.getKind() == kind && Long.valueOf(port).equals(s.getAttributes().get(SERVER_PORT)))
        .sorted(Comparator.comparingLong(SpanData::getStartEpochNanos))
        .collect(Collectors.toList());
  }

  private static java.util.Map<String, String> attributes(SpanData span) {
    java.util.Map<String, String> m = new java.util.TreeMap<>();
    span.getAttributes().forEach((k, v) -> m.put(k.getKey(), String.valueOf(v)));
    return m;
  }

  private static void respond(HttpExchange exchange, int status, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.getRequestBody().readAllBytes();
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
