package io.meshwork.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.inbound.InboundCall;
import io.meshwork.core.inbound.InboundGuard;
import io.meshwork.core.inbound.InboundRequest;
import io.meshwork.core.registry.InMemoryRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Which OpenTelemetry a mesh traces with when the application passes none: the global one as
 * it is at build time, and W3C Trace Context and Baggage when that one propagates nothing. Every
 * test leaves {@code GlobalOpenTelemetry} unset, as it found it.
 */
class MeshOpenTelemetryDefaultTest {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String TRACEPARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";
  private static final TextMapSetter<Map<String, String>> SETTER = Map::put;

  private final InMemoryRegistry registry = InMemoryRegistry.create();

  @BeforeEach
  @AfterEach
  void resetGlobal() {
    GlobalOpenTelemetry.resetForTest();
    System.clearProperty("otel.java.global-autoconfigure.enabled");
  }

  @AfterEach
  void closeRegistry() {
    registry.close();
  }

  private Mesh.Builder builder() {
    return Mesh.builder().serviceName("frontend").registry(registry).meterRegistry(new SimpleMeterRegistry());
  }

  @Test
  void withNothingConfiguredTheMeshPropagatesW3CTraceContextAndBaggage() {
    try (Mesh mesh = builder().build()) {
      assertThat(mesh.openTelemetry().getPropagators().getTextMapPropagator().fields())
          .contains("traceparent", "tracestate", "baggage");
    }
    assertThat(GlobalOpenTelemetry.isSet()).as("the global OpenTelemetry is still unset, so settable").isFalse();
    GlobalOpenTelemetry.set(OpenTelemetry.noop()); // would throw had the mesh fixed it
  }

  @Test
  void withNothingConfiguredAnInboundTraceparentIsWhatTheHandlersCallsCarry() {
    try (Mesh mesh = builder().build()) {
      InboundGuard guard = InboundGuard.create(mesh);
      Map<String, String> outgoing = new TreeMap<>();
      try (InboundCall in = guard.begin(request(Map.of("traceparent", TRACEPARENT, "baggage", "tenant=acme")), Context.root())) {
        // What a transport does for a call the handler makes inside the inbound context.
        mesh.openTelemetry().getPropagators().getTextMapPropagator().inject(in.context(), outgoing, SETTER);
      }
      assertThat(outgoing.get("traceparent")).as("traceparent sent on").startsWith("00-" + TRACE_ID + "-");
      assertThat(outgoing.get("baggage")).isEqualTo("tenant=acme");
    }
  }

  @Test
  void aGlobalOpenTelemetryThatPropagatesIsUsedWithItsOwnPropagators() {
    ContextPropagators custom = ContextPropagators.create(new HeaderPropagator("x-test-trace"));
    GlobalOpenTelemetry.set(OpenTelemetry.propagating(custom));
    try (Mesh mesh = builder().build()) {
      assertThat(mesh.openTelemetry().getPropagators()).isSameAs(custom);
      assertThat(mesh.openTelemetry().getPropagators().getTextMapPropagator().fields())
          .containsExactly("x-test-trace");
    }
  }

  @Test
  void aGlobalOpenTelemetryThatPropagatesNothingKeepsItsTracerProviderAndGetsW3CPropagation() {
    RecordingTracerProvider tracers = new RecordingTracerProvider();
    GlobalOpenTelemetry.set(new OpenTelemetry() {
      @Override
      public TracerProvider getTracerProvider() {
        return tracers;
      }

      @Override
      public ContextPropagators getPropagators() {
        return ContextPropagators.noop();
      }
    });
    try (Mesh mesh = builder().build()) {
      assertThat(mesh.openTelemetry().getPropagators().getTextMapPropagator().fields())
          .contains("traceparent", "tracestate", "baggage");
      InboundGuard.create(mesh);
      assertThat(tracers.scopes).as("tracers asked of the global tracer provider").contains(InboundGuard.INSTRUMENTATION_SCOPE);
    }
  }

  @Test
  void aGlobalOpenTelemetrySetAfterTheMeshIsBuiltIsNotSeenByThatMesh() {
    try (Mesh mesh = builder().build()) {
      GlobalOpenTelemetry.set(OpenTelemetry.propagating(ContextPropagators.create(new HeaderPropagator("x-late"))));
      assertThat(mesh.openTelemetry().getPropagators().getTextMapPropagator().fields())
          .contains("traceparent").doesNotContain("x-late");
    }
  }

  @Test
  void anOpenTelemetryPassedToTheBuilderIsUsedAsGivenEvenWhenItPropagatesNothing() {
    GlobalOpenTelemetry.set(OpenTelemetry.propagating(ContextPropagators.create(new HeaderPropagator("x-global"))));
    OpenTelemetry off = OpenTelemetry.noop();
    try (Mesh mesh = builder().openTelemetry(off).build()) {
      assertThat(mesh.openTelemetry()).isSameAs(off);
      assertThat(mesh.openTelemetry().getPropagators().getTextMapPropagator().fields()).isEmpty();
    }
  }

  @Test
  void withGlobalAutoconfigureAskedForTheMeshLetsTheGlobalInitialize() {
    System.setProperty("otel.java.global-autoconfigure.enabled", "true");
    try (Mesh mesh = builder().build()) {
      // No autoconfigure module on this classpath: GlobalOpenTelemetry.get() settles on the no-op.
      assertThat(GlobalOpenTelemetry.isSet()).as("the global, initialized by the mesh's get()").isTrue();
      assertThat(mesh.openTelemetry().getPropagators().getTextMapPropagator().fields()).contains("traceparent");
    }
  }

  private static InboundRequest request(Map<String, String> headers) {
    return new InboundRequest() {
      @Override
      public String method() {
        return "GET";
      }

      @Override
      public String header(String lowerCaseName) {
        return headers.get(lowerCaseName);
      }
    };
  }

  /** Propagates one header holding the trace id, the way a vendor's propagator would. */
  private record HeaderPropagator(String header) implements TextMapPropagator {
    @Override
    public Collection<String> fields() {
      return List.of(header);
    }

    @Override
    public <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {}

    @Override
    public <C> Context extract(Context context, C carrier, TextMapGetter<C> getter) {
      return context;
    }
  }

  /** The no-op tracer provider, remembering the scopes tracers were asked for. */
  private static final class RecordingTracerProvider implements TracerProvider {
    final List<String> scopes = new CopyOnWriteArrayList<>();

    @Override
    public Tracer get(String instrumentationScopeName) {
      scopes.add(instrumentationScopeName);
      return TracerProvider.noop().get(instrumentationScopeName);
    }

    @Override
    public Tracer get(String instrumentationScopeName, String instrumentationScopeVersion) {
      scopes.add(instrumentationScopeName);
      return TracerProvider.noop().get(instrumentationScopeName, instrumentationScopeVersion);
    }
  }
}
