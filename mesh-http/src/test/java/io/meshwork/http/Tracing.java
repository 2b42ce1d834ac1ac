package io.meshwork.http;

import io.meshwork.core.Mesh;
import io.meshwork.core.registry.Registry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;

/**
 * A real OpenTelemetry SDK for tests: every span ends up in an in-memory exporter, and the
 * propagator is the one given. Meshes made here share it, as the services of one test share
 * a tracing backend.
 */
final class Tracing implements AutoCloseable {
  final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private final SdkTracerProvider tracerProvider =
      SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
  final OpenTelemetry openTelemetry;

  Tracing(TextMapPropagator propagator) {
    this.openTelemetry = OpenTelemetrySdk.builder()
        .setTracerProvider(tracerProvider)
        .setPropagators(ContextPropagators.create(propagator))
        .build();
  }

  Mesh mesh(String service, Registry registry) {
    return Mesh.builder().serviceName(service).registry(registry).meterRegistry(new SimpleMeterRegistry())
        .openTelemetry(openTelemetry).build();
  }

  List<SpanData> spans() {
    return exporter.getFinishedSpanItems();
  }

  @Override
  public void close() {
    tracerProvider.close();
  }
}
