package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.Headers;
import io.meshwork.core.Mesh;
import io.meshwork.core.inbound.TraceContextPropagator;
import io.meshwork.core.registry.InMemoryRegistry;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which trace headers reach C when a request enters B and B's handler calls C through the mesh:
 * the propagators come from the mesh's OpenTelemetry, B forwards nothing by hand.
 */
class TraceHeadersIntegrationTest {
  private static final String TRACE_ID = "12345678901234567890123456789012";
  private static final String TRACEPARENT = "00-" + TRACE_ID + "-1234567890123456-01";

  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final OkHttpClient plain = new OkHttpClient();
  private final BlockingQueue<Headers> seenByC = new LinkedBlockingQueue<>();
  private Tracing tracing;
  private Mesh meshB;
  private Mesh meshC;
  private OkHttpClient clientB;
  private MeshHttpServer serverB;
  private MeshHttpServer serverC;

  @AfterEach
  void tearDown() {
    if (serverB != null) serverB.close();
    if (serverC != null) serverC.close();
    if (meshB != null) meshB.close();
    if (meshC != null) meshC.close();
    registry.close();
    if (clientB != null) clientB.dispatcher().executorService().shutdown();
    plain.dispatcher().executorService().shutdown();
    if (tracing != null) tracing.close();
  }

  @Test
  void b3HeadersFlowFromBToCWhenOpenTelemetryIsBuiltWithTheB3Propagator() throws Exception {
    start(B3Propagator.injectingMultiHeaders());
    Headers c = callB(new Request.Builder()
        .header("X-B3-TraceId", TRACE_ID).header("X-B3-SpanId", "1234567890123456").header("X-B3-Sampled", "1"));

    await().atMost(Duration.ofSeconds(5)).until(() -> tracing.spans().size() == 3);
    SpanData bClient = tracing.spans().stream().filter(s -> s.getKind() == SpanKind.CLIENT).findFirst().orElseThrow();
    assertThat(c.getFirst("X-B3-TraceId")).isEqualTo(TRACE_ID);
    assertThat(c.getFirst("X-B3-SpanId")).as("B's client span").isEqualTo(bClient.getSpanId());
    assertThat(c.getFirst("X-B3-Sampled")).isEqualTo("1");
    assertThat(c.containsKey("traceparent")).as("no W3C header when only B3 is configured").isFalse();
    assertThat(tracing.spans()).extracting(SpanData::getTraceId).containsOnly(TRACE_ID);
  }

  @Test
  void tracestateLinesReachingBAreCombinedAndCarriedOnToCWithKeysOpenTelemetryAloneWouldDrop() throws Exception {
    start(TraceContextPropagator.getInstance());
    Headers c = callB(new Request.Builder().header("traceparent", TRACEPARENT)
        .addHeader("tracestate", "foo@@bar=1, 1vendor=2").addHeader("tracestate", "").addHeader("tracestate", "rojo=3"));
    assertThat(c.getFirst("traceparent")).startsWith("00-" + TRACE_ID + "-").doesNotEndWith("-1234567890123456-01");
    assertThat(c.get("tracestate")).containsExactly("foo@@bar=1,1vendor=2,rojo=3");
  }

  @Test
  void anInvalidTracestateIsDroppedWhileTheTraceContinues() throws Exception {
    start(TraceContextPropagator.getInstance());
    Headers c = callB(new Request.Builder().header("traceparent", TRACEPARENT).header("tracestate", "rojo=1,@bad=2"));
    assertThat(c.getFirst("traceparent")).startsWith("00-" + TRACE_ID + "-");
    assertThat(c.containsKey("tracestate")).isFalse();
  }

  @Test
  void twoTraceparentHeadersStartANewTrace() throws Exception {
    start(TraceContextPropagator.getInstance());
    Headers c = callB(new Request.Builder().addHeader("traceparent", TRACEPARENT)
        .addHeader("traceparent", "00-" + TRACE_ID.replace('1', 'a') + "-1234567890123456-01"));
    // A new root: sampled, and (W3C Level 2) with the random trace-id flag the SDK sets.
    assertThat(c.getFirst("traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-03")
        .doesNotContain(TRACE_ID).doesNotContain(TRACE_ID.replace('1', 'a'));
  }

  private void start(TextMapPropagator propagator) {
    tracing = new Tracing(propagator);
    meshB = tracing.mesh("b", registry);
    meshC = tracing.mesh("c", registry);
    clientB = MeshHttp.client(meshB);
    serverC = MeshHttpServer.builder(meshC).handler("/", exchange -> {
      seenByC.add(exchange.getRequestHeaders());
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    }).register(true).start();
    serverB = MeshHttpServer.builder(meshB).handler("/", exchange -> {
      // No header forwarding: the mesh client takes the trace from this request's context.
      try (Response r = clientB.newCall(new Request.Builder().url("http://c/").build()).execute()) {
        exchange.sendResponseHeaders(r.code(), -1);
      }
      exchange.close();
    }).start();
  }

  /** Sends {@code request} to B with a plain client; returns the headers C received. */
  private Headers callB(Request.Builder request) throws IOException, InterruptedException {
    try (Response r = plain.newCall(request.url("http://127.0.0.1:" + serverB.port() + "/").build()).execute()) {
      assertThat(r.code()).isEqualTo(204);
    }
    Headers c = seenByC.poll(5, TimeUnit.SECONDS);
    assertThat(c).as("request at C").isNotNull();
    return c;
  }
}
