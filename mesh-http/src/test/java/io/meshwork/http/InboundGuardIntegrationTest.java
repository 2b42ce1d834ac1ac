package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Deadline;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshContext;
import io.meshwork.core.registry.InMemoryRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The embedded server's inbound guard, driven by a plain (non-mesh) OkHttp client. */
class InboundGuardIntegrationTest {
  private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";

  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final MeterRegistry meters = new SimpleMeterRegistry();
  private final Mesh mesh = Mesh.builder().serviceName("greeter").registry(registry).meterRegistry(meters)
      .openTelemetry(OpenTelemetry.propagating(ContextPropagators.create(W3CTraceContextPropagator.getInstance())))
      .build();
  private final OkHttpClient plain = new OkHttpClient();
  private final AtomicInteger handled = new AtomicInteger();
  private final Queue<String> seen = new ConcurrentLinkedQueue<>();
  private MeshHttpServer server;

  @BeforeEach
  void startServer() {
    server = MeshHttpServer.builder(mesh).handler("/", exchange -> {
      handled.incrementAndGet();
      Deadline d = MeshContext.currentDeadline();
      String traceId = Span.current().getSpanContext().isValid() ? Span.current().getSpanContext().getTraceId() : "none";
      seen.add("deadline=" + (d == null ? "none" : d.remainingMillis(mesh.ticker())) + " trace=" + traceId);
      byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }).start();
  }

  @AfterEach
  void tearDown() {
    server.close();
    mesh.close();
    registry.close();
    plain.dispatcher().executorService().shutdown();
  }

  @Test
  void malformedTimeoutAndTraceparentHeadersAreIgnoredCountedAndTheRequestIsServed() throws IOException {
    try (Response r = get("mesh-timeout-ms", "12abc", "traceparent", "00-not-a-trace-01")) {
      assertThat(r.code()).isEqualTo(200);
    }
    assertThat(seen).containsExactly("deadline=none trace=none");
    assertThat(malformed("mesh-timeout-ms")).isEqualTo(1);
    assertThat(malformed("traceparent")).isEqualTo(1);
    // Recorded when the exchange closes, which may be just after the client has its answer.
    await().atMost(Duration.ofSeconds(2)).until(() -> requests("success", "200") == 1);
  }

  @Test
  void wellFormedHeadersBecomeTheHandlersDeadlineAndTraceContext() throws IOException {
    try (Response r = get("mesh-timeout-ms", "5000", "traceparent", "00-" + TRACE_ID + "-b7ad6b7169203331-01")) {
      assertThat(r.code()).isEqualTo(200);
    }
    assertThat(seen).singleElement().satisfies(s -> {
      assertThat(s).endsWith(" trace=" + TRACE_ID);
      long remaining = Long.parseLong(s.substring("deadline=".length(), s.indexOf(' ')));
      assertThat(remaining).isBetween(4000L, 5000L);
    });
    assertThat(malformed("mesh-timeout-ms")).isZero();
    assertThat(malformed("traceparent")).isZero();
  }

  @Test
  void aRequestWhoseDeadlineHasPassedIsRefusedWith504BeforeTheHandlerRuns() throws IOException {
    try (Response r = get("mesh-timeout-ms", "0")) {
      assertThat(r.code()).isEqualTo(504);
      assertThat(r.body().string()).startsWith("greeter: deadline exceeded before the request was handled");
    }
    assertThat(handled.get()).isZero();
    await().atMost(Duration.ofSeconds(2)).until(() -> requests("refused", "504") == 1);
    assertThat(meters.get("mesh.server.requests").tag("outcome", "refused").timer().getId().getTag("error.type"))
        .isEqualTo("deadline-exceeded");
  }

  @Test
  void aRegisteredServerIsAnEndpointUntilItIsClosed() {
    Mesh caller = Meshes.of("frontend", registry);
    try (caller) {
      server.close();
      server = MeshHttpServer.builder(mesh).handler("/", exchange -> exchange.sendResponseHeaders(204, -1))
          .register(true).start();
      assertThat(caller.destination("greeter").endpoints())
          .singleElement().satisfies(e -> assertThat(e.endpoint().address()).isEqualTo(server.address()));
      server.close();
      await().atMost(Duration.ofSeconds(2)).until(() -> caller.destination("greeter").endpoints().isEmpty());
    }
  }

  private Response get(String... headers) throws IOException {
    Request.Builder b = new Request.Builder().url("http://127.0.0.1:" + server.port() + "/hello");
    for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
    return plain.newCall(b.build()).execute();
  }

  private double malformed(String header) {
    return meters.get("mesh.server.malformed.headers").tag("header", header).counter().count();
  }

  private long requests(String outcome, String status) {
    io.micrometer.core.instrument.Timer t = meters.find("mesh.server.requests").tag("service", "greeter")
        .tag("route", "GET").tag("caller", "unknown").tag("outcome", outcome).tag("status", status).timer();
    return t == null ? 0 : t.count();
  }
}
