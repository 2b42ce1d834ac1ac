package io.meshwork.samples;

import com.sun.net.httpserver.HttpExchange;
import io.meshwork.core.Mesh;
import io.meshwork.core.inbound.TraceContextPropagator;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.http.MeshHttp;
import io.meshwork.http.MeshHttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The test service the W3C Trace Context test suite (github.com/w3c/trace-context, folder
 * {@code test/}) drives: a mesh HTTP server on 127.0.0.1 that takes a POSTed JSON list of
 * {@code {"url": ..., "arguments": ...}} and, for each element in order, POSTs {@code arguments}
 * as JSON to {@code url} through the mesh's OkHttp client, then answers 200.
 *
 * <p>The handler forwards no header: the inbound guard extracts the harness's trace context and
 * starts a server span, the handler runs inside it, and each outgoing POST gets its own client
 * span whose context the mesh client injects. The URLs name harness ports on 127.0.0.1, not
 * mesh services, so this also shows pass-through requests carrying the trace. Tracing is the
 * OpenTelemetry SDK (spans recorded and counted, none exported: the SDK makes no spans at all
 * when it has no span processor) with {@link TraceContextPropagator}; pass
 * {@code --otel-propagator} to use OpenTelemetry's own {@code W3CTraceContextPropagator} for
 * comparison.
 *
 * <pre>
 * java ... io.meshwork.samples.TraceContextConformance [port] [--otel-propagator] [--max-seconds=N]
 * mvn -q -pl samples -am -Dmaven.test.skip=true package exec:java \
 *     -Dexec.mainClass=io.meshwork.samples.TraceContextConformance -Dexec.args=5000
 * </pre>
 *
 * <p>Listens on 127.0.0.1 only (default port 5000, path {@code /test}); stops by itself after
 * {@code --max-seconds} (default 600) or on Ctrl-C. {@code samples/trace-context/run-conformance.sh}
 * starts it and runs the suite against it.
 */
public final class TraceContextConformance {
  private static final MediaType JSON = MediaType.get("application/json");

  private TraceContextConformance() {}

  public static void main(String[] args) throws Exception {
    int port = 5000;
    long maxSeconds = 600;
    boolean otelPropagator = false;
    for (String a : args) {
      if (a.matches("\\d{1,5}")) port = Integer.parseInt(a);
      else if (a.equals("--otel-propagator")) otelPropagator = true;
      else if (a.startsWith("--max-seconds=")) maxSeconds = Long.parseLong(a.substring("--max-seconds=".length()));
      else System.err.println("ignoring argument: " + a);
    }

    TextMapPropagator traceContext = otelPropagator ? W3CTraceContextPropagator.getInstance() : TraceContextPropagator.getInstance();
    // The SDK makes no spans at all without a span processor; this one only counts them.
    SpanCounter spans = new SpanCounter();
    SdkTracerProvider tracerProvider = SdkTracerProvider.builder().addSpanProcessor(spans).build();
    OpenTelemetrySdk openTelemetry = OpenTelemetrySdk.builder()
        .setTracerProvider(tracerProvider)
        .setPropagators(ContextPropagators.create(TextMapPropagator.composite(traceContext, W3CBaggagePropagator.getInstance())))
        .build();
    CountDownLatch stop = new CountDownLatch(1);
    try (InMemoryRegistry registry = InMemoryRegistry.create();
        Mesh mesh = Mesh.builder().serviceName("trace-context-conformance").registry(registry)
            .meterRegistry(new SimpleMeterRegistry()).openTelemetry(openTelemetry).build()) {
      OkHttpClient client = MeshHttp.client(mesh).newBuilder().callTimeout(Duration.ofSeconds(5)).build();
      try (MeshHttpServer server = MeshHttpServer.builder(mesh).bind("127.0.0.1", port)
          .handler("/test", exchange -> handle(exchange, client)).start()) {
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
        System.out.printf("trace-context test service listening on http://127.0.0.1:%d/test (%s), stops after %d s%n",
            server.port(), traceContext, maxSeconds);
        stop.await(maxSeconds, TimeUnit.SECONDS);
        System.out.printf("stopping; %d server spans, %d client spans recorded%n", spans.server.sum(), spans.client.sum());
      } finally {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
        tracerProvider.close();
      }
    }
  }

  /** Counts ended spans by kind, instead of exporting them. */
  private static final class SpanCounter implements SpanProcessor {
    final LongAdder server = new LongAdder();
    final LongAdder client = new LongAdder();

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {}

    @Override
    public boolean isStartRequired() {
      return false;
    }

    @Override
    public void onEnd(ReadableSpan span) {
      if (span.getKind() == SpanKind.SERVER) server.increment();
      else if (span.getKind() == SpanKind.CLIENT) client.increment();
    }

    @Override
    public boolean isEndRequired() {
      return true;
    }
  }

  /** POSTs each element's arguments to its url, in order, then answers 200. */
  private static void handle(HttpExchange exchange, OkHttpClient client) throws IOException {
    String body;
    try (InputStream in = exchange.getRequestBody()) {
      body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    int status = 200;
    String answer = "{}";
    try {
      Object parsed = Json.parse(body.isBlank() ? "[]" : body);
      List<?> actions = parsed instanceof List ? (List<?>) parsed : List.of(parsed);
      for (Object action : actions) {
        if (!(action instanceof Map)) continue;
        Map<?, ?> a = (Map<?, ?>) action;
        Object url = a.get("url");
        if (!(url instanceof String)) continue;
        Object arguments = a.containsKey("arguments") ? a.get("arguments") : List.of();
        Request request = new Request.Builder().url((String) url)
            .post(RequestBody.create(Json.write(arguments), JSON)).build();
        try (Response r = client.newCall(request).execute()) {
          r.body().bytes();
        }
      }
    } catch (IllegalArgumentException e) {
      status = 400;
      answer = Json.write(Map.of("error", String.valueOf(e.getMessage())));
    }
    byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
