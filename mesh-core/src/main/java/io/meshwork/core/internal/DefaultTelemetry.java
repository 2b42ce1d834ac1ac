package io.meshwork.core.internal;

import io.meshwork.core.inbound.TraceContextPropagator;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.logs.LoggerProvider;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;

/**
 * The OpenTelemetry a mesh uses when the application passes none: the global one, as it is when
 * the mesh is built, and W3C Trace Context and Baggage propagation when that one propagates
 * nothing (the API's no-op, which is what an application without an SDK or agent has).
 *
 * <p>With the API alone the inbound side extracts the caller's span context into the {@code
 * Context}, the handler runs in it, and the outgoing side injects it again: the trace id passes
 * through unchanged with non-recording spans, so a traced caller's trace continues behind a mesh
 * service that traces nothing itself.
 */
public final class DefaultTelemetry {
  /** The system property that asks {@link GlobalOpenTelemetry#get()} to autoconfigure the SDK. */
  static final String GLOBAL_AUTOCONFIGURE_PROPERTY = "otel.java.global-autoconfigure.enabled";
  static final String GLOBAL_AUTOCONFIGURE_ENV = "OTEL_JAVA_GLOBAL_AUTOCONFIGURE_ENABLED";

  /**
   * W3C Trace Context (Meshwork's {@link TraceContextPropagator}, which follows the
   * specification where OpenTelemetry's does not) and W3C Baggage.
   */
  static final ContextPropagators W3C = ContextPropagators.create(TextMapPropagator.composite(
      TraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance()));

  private DefaultTelemetry() {}

  /** The global OpenTelemetry now, with {@linkplain #withW3CFallback the W3C fallback}. */
  public static OpenTelemetry resolve() {
    return withW3CFallback(global());
  }

  /**
   * The global OpenTelemetry without freezing it: {@link GlobalOpenTelemetry#getOrNoop()}, which
   * returns the registered instance (the Java agent's, or one an application registered) or the
   * no-op, and leaves the global settable. Only when the application asked for global
   * autoconfiguration ({@value #GLOBAL_AUTOCONFIGURE_PROPERTY}) and nothing is registered yet
   * does it call {@link GlobalOpenTelemetry#get()}, which runs that autoconfiguration (and, as
   * any first {@code get()} does, fixes the global).
   */
  static OpenTelemetry global() {
    if (!GlobalOpenTelemetry.isSet() && globalAutoconfigureRequested()) {
      return GlobalOpenTelemetry.get();
    }
    return GlobalOpenTelemetry.getOrNoop();
  }

  private static boolean globalAutoconfigureRequested() {
    String v = System.getProperty(GLOBAL_AUTOCONFIGURE_PROPERTY);
    if (v == null) v = System.getenv(GLOBAL_AUTOCONFIGURE_ENV);
    return Boolean.parseBoolean(v);
  }

  /**
   * {@code otel} itself when its text-map propagator propagates something (its {@code fields()}
   * are not empty); else an OpenTelemetry with {@code otel}'s tracer, meter and logger providers
   * and {@linkplain #W3C W3C Trace Context and Baggage} propagators.
   */
  public static OpenTelemetry withW3CFallback(OpenTelemetry otel) {
    if (!otel.getPropagators().getTextMapPropagator().fields().isEmpty()) return otel;
    return new W3CPropagating(otel);
  }

  /** {@code delegate}'s providers with the W3C propagators. */
  private static final class W3CPropagating implements OpenTelemetry {
    private final OpenTelemetry delegate;

    W3CPropagating(OpenTelemetry delegate) {
      this.delegate = delegate;
    }

    @Override
    public TracerProvider getTracerProvider() {
      return delegate.getTracerProvider();
    }

    @Override
    public MeterProvider getMeterProvider() {
      return delegate.getMeterProvider();
    }

    @Override
    public LoggerProvider getLogsBridge() {
      return delegate.getLogsBridge();
    }

    @Override
    public ContextPropagators getPropagators() {
      return W3C;
    }

    @Override
    public String toString() {
      return "W3CPropagating{" + delegate + "}";
    }
  }
}
