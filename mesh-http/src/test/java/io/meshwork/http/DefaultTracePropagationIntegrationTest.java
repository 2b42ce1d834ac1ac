package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.Headers;
import io.meshwork.core.Mesh;
import io.meshwork.core.registry.InMemoryRegistry;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tracing headers without app forwarding, with no OpenTelemetry anywhere: the meshes are built
 * without {@code openTelemetry(...)}, no SDK or agent is registered globally, and A's handler
 * calls B through A's mesh client without touching a header. The trace that entered A still
 * reaches B.
 */
class DefaultTracePropagationIntegrationTest {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String TRACEPARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";

  /** What B's handler saw of one request. */
  private record Seen(Headers headers, String traceId, String tenant) {}

  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final OkHttpClient plain = new OkHttpClient();
  private final BlockingQueue<Seen> seenByB = new LinkedBlockingQueue<>();
  private Mesh meshA;
  private Mesh meshB;
  private OkHttpClient clientA;
  private MeshHttpServer serverA;
  private MeshHttpServer serverB;

  @BeforeEach
  void setUp() {
    GlobalOpenTelemetry.resetForTest(); // nothing registered: the meshes find the API's no-op
    meshA = Meshes.of("a", registry);
    meshB = Meshes.of("b", registry);
    clientA = MeshHttp.client(meshA);
    serverB = MeshHttpServer.builder(meshB).handler("/", exchange -> {
      Span span = Span.current();
      seenByB.add(new Seen(exchange.getRequestHeaders(),
          span.getSpanContext().isValid() ? span.getSpanContext().getTraceId() : null,
          Baggage.current().getEntryValue("tenant")));
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    }).register(true).start();
    serverA = MeshHttpServer.builder(meshA).handler("/", exchange -> {
      // No header forwarding: the mesh client takes the trace from this request's context.
      try (Response r = clientA.newCall(new Request.Builder().url("http://b/").build()).execute()) {
        exchange.sendResponseHeaders(r.code(), -1);
      }
      exchange.close();
    }).start();
  }

  @AfterEach
  void tearDown() {
    serverA.close();
    serverB.close();
    meshA.close();
    meshB.close();
    registry.close();
    clientA.dispatcher().executorService().shutdown();
    plain.dispatcher().executorService().shutdown();
    GlobalOpenTelemetry.resetForTest();
  }

  @Test
  void aTraceparentArrivingAtAReachesBWithTheSameTraceIdAndTheCallersBaggage() throws Exception {
    Seen b = callA(new Request.Builder().header("traceparent", TRACEPARENT).header("baggage", "tenant=acme"));

    assertThat(b.headers().getFirst("traceparent")).as("traceparent at B")
        .isNotNull().startsWith("00-" + TRACE_ID + "-").endsWith("-01");
    assertThat(b.traceId()).as("trace id of B's handler context").isEqualTo(TRACE_ID);
    assertThat(b.headers().getFirst("baggage")).as("baggage at B").isEqualTo("tenant=acme");
    assertThat(b.tenant()).as("baggage entry in B's handler context").isEqualTo("acme");
  }

  @Test
  void aRequestWithoutATraceReachesBWithoutOne() throws Exception {
    Seen b = callA(new Request.Builder());

    assertThat(b.headers().containsKey("traceparent")).as("traceparent at B").isFalse();
    assertThat(b.headers().containsKey("baggage")).as("baggage at B").isFalse();
    assertThat(b.traceId()).isNull();
  }

  /** Sends {@code request} to A with a plain client; returns what B's handler saw. */
  private Seen callA(Request.Builder request) throws IOException, InterruptedException {
    try (Response r = plain.newCall(request.url("http://127.0.0.1:" + serverA.port() + "/").build()).execute()) {
      assertThat(r.code()).isEqualTo(204);
    }
    Seen b = seenByB.poll(5, TimeUnit.SECONDS);
    assertThat(b).as("request at B").isNotNull();
    return b;
  }
}
