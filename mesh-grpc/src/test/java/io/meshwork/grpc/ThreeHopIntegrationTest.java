package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshwork.core.DeadlineExceededException;
import io.meshwork.core.Mesh;
import io.meshwork.core.inbound.InboundGuard;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloReply;
import io.meshwork.grpc.test.HelloRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A → B → C on real servers and channels: B's handler calls C through the mesh and forwards
 * nothing by hand, yet C sees A's deadline and A's trace.
 */
class ThreeHopIntegrationTest {
  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
      .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
      .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
      .build();
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh a = mesh("frontend");
  private final Mesh b = mesh("middle");
  private final Mesh c = mesh("backend");
  private Backend middle;
  private Backend backend;
  private ManagedChannel aToB;
  private ManagedChannel bToC;

  private Mesh mesh(String service) {
    return Mesh.builder().serviceName(service).registry(registry).meterRegistry(new SimpleMeterRegistry())
        .openTelemetry(otel).build();
  }

  @BeforeEach
  void setUp() {
    backend = Backend.start(c);
    middle = Backend.start(b);
    Meshes.put(registry, "backend", ClientPolicy.DEFAULT, List.of(backend));
    Meshes.put(registry, "middle", ClientPolicy.DEFAULT, List.of(middle));
    bToC = MeshGrpc.channel(b, "backend");
    GreeterGrpc.GreeterBlockingStub toC = GreeterGrpc.newBlockingStub(bToC);
    // B's handler: call C, no deadline, no headers forwarded.
    middle.hook.set(request -> toC.sayHello(request));
    aToB = MeshGrpc.channel(a, "middle");
  }

  @AfterEach
  void tearDown() {
    aToB.shutdownNow();
    bToC.shutdownNow();
    middle.close();
    backend.close();
    a.close();
    b.close();
    c.close();
    otel.close();
  }

  @Test
  void aDeadlineSetByTheFirstCallerBindsTheThirdHop() {
    GreeterGrpc.GreeterBlockingStub stub = GreeterGrpc.newBlockingStub(aToB);
    stub.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HelloRequest.newBuilder().setName("warm").build());

    backend.delay = Duration.ofSeconds(3);
    long start = System.nanoTime();
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
        () -> stub.withDeadlineAfter(400, TimeUnit.MILLISECONDS).sayHello(HelloRequest.newBuilder().setName("x").build()));
    long tookMillis = (System.nanoTime() - start) / 1_000_000;

    assertThat(e).isNotNull();
    assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(e.getStatus().getCause()).isInstanceOf(DeadlineExceededException.class);
    // Not before the deadline, and not waiting for C's 3 s (the upper bound leaves room for a
    // loaded 2-core machine).
    assertThat(tookMillis).as("A's wait").isBetween(390L, 1_500L);
    // C's handler saw what was left of A's 400 ms, through gRPC's context and the mesh's alike.
    assertThat(backend.lastGrpcDeadlineMillis).isBetween(1L, 400L);
    assertThat(backend.lastMeshDeadlineMillis).isBetween(1L, 400L);
    // B's server side recorded the call as ended by the deadline (504), or cancelled by A (499)
    // when A's reset arrived before B's own copy of the deadline passed.
    await().atMost(Duration.ofSeconds(5)).until(() -> b.meterRegistry().find(InboundGuard.REQUESTS)
        .timers().stream().anyMatch(t -> List.of("504", "499").contains(t.getId().getTag("status"))));
  }

  @Test
  void aChannelFirstUsedInsideAHandlerKeepsWorkingAfterThatCallEnds() throws Exception {
    // B's channel to C connects (and starts its health checks) while B handles A's first call;
    // that call's context ends with it, and must not take the connection's health down.
    GreeterGrpc.GreeterBlockingStub stub = GreeterGrpc.newBlockingStub(aToB);
    stub.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HelloRequest.newBuilder().setName("first").build());
    TimeUnit.MILLISECONDS.sleep(200);
    for (int i = 0; i < 20; i++) {
      stub.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HelloRequest.newBuilder().setName("again").build());
    }
    assertThat(backend.hellos.get()).isEqualTo(21);
  }

  @Test
  void oneTraceRunsFromTheFirstCallerToTheThirdHop() {
    Span root = otel.getTracer("test").spanBuilder("frontend work").startSpan();
    HelloReply reply;
    try (Scope ignored = root.makeCurrent()) {
      reply = GreeterGrpc.newBlockingStub(aToB).withDeadlineAfter(5, TimeUnit.SECONDS)
          .sayHello(HelloRequest.newBuilder().setName("x").build());
    } finally {
      root.end();
    }
    String traceId = root.getSpanContext().getTraceId();
    assertThat(reply.getTraceId()).as("trace id C's handler saw").isEqualTo(traceId);
    assertThat(middle.lastTraceId).as("trace id B's handler saw").isEqualTo(traceId);

    await().atMost(Duration.ofSeconds(5)).until(() -> spans.getFinishedSpanItems().size() >= 5);
    List<SpanData> finished = spans.getFinishedSpanItems();
    assertThat(finished).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(traceId));
    // frontend work → client (A→B) → server (B) → client (B→C) → server (C): each the parent of the next.
    SpanData clientAB = only(finished, "CLIENT", root.getSpanContext().getSpanId());
    SpanData serverB = only(finished, "SERVER", clientAB.getSpanId());
    SpanData clientBC = only(finished, "CLIENT", serverB.getSpanId());
    SpanData serverC = only(finished, "SERVER", clientBC.getSpanId());
    assertThat(clientAB.getName()).isEqualTo("meshwork.test.Greeter/SayHello");
    assertThat(serverC.getAttributes().asMap().toString()).contains("rpc.system=grpc", "rpc.grpc.status_code=0");
  }

  private static SpanData only(List<SpanData> spans, String kind, String parentSpanId) {
    List<SpanData> matching = spans.stream()
        .filter(s -> s.getKind().name().equals(kind) && s.getParentSpanId().equals(parentSpanId)).toList();
    assertThat(matching).as("%s spans under %s in %s", kind, parentSpanId, spans).hasSize(1);
    return matching.get(0);
  }

}
