package io.meshwork.grpc;

import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.meshwork.core.model.Address;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

/**
 * Spans after the OpenTelemetry RPC semantic conventions for gRPC: name {@code
 * {rpc.service}/{rpc.method}}, {@code rpc.system=grpc}, {@code rpc.service}, {@code rpc.method},
 * {@code rpc.grpc.status_code}, {@code server.address} and {@code server.port} on the client.
 * A client span is an error for any status but OK; a server span only for the codes that mean the
 * server failed (UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS).
 * Keys are spelled out here, so mesh-grpc needs the OpenTelemetry API alone.
 *
 * @see <a href="https://opentelemetry.io/docs/specs/semconv/rpc/grpc/">gRPC conventions</a>
 */
final class RpcSpans {
  /** The name of the tracer that makes client spans. */
  static final String INSTRUMENTATION_SCOPE = "io.meshwork.grpc";
  static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
  static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
  static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
  static final AttributeKey<Long> RPC_GRPC_STATUS_CODE = AttributeKey.longKey("rpc.grpc.status_code");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  /** The try number on retries (there is no RPC convention for it; HTTP's is resend_count). */
  static final AttributeKey<Long> MESH_ATTEMPT = AttributeKey.longKey("meshwork.attempt");

  private RpcSpans() {}

  /** A CLIENT span for one try, child of {@code parent}. */
  static Span startClient(Tracer tracer, Context parent, MethodDescriptor<?, ?> method, int tryNumber) {
    var b = tracer.spanBuilder(method.getFullMethodName())
        .setSpanKind(SpanKind.CLIENT)
        .setParent(parent)
        .setAttribute(RPC_SYSTEM, "grpc")
        .setAttribute(RPC_SERVICE, nullToEmpty(method.getServiceName()))
        .setAttribute(RPC_METHOD, nullToEmpty(method.getBareMethodName()));
    if (tryNumber > 1) b.setAttribute(MESH_ATTEMPT, (long) tryNumber);
    return b.startSpan();
  }

  /** Ends a client span: the endpoint it went to (if it was picked) and the status. */
  static void endClient(Span span, Address endpoint, Status status) {
    if (!span.isRecording()) {
      span.end();
      return;
    }
    if (endpoint != null) {
      span.setAttribute(SERVER_ADDRESS, endpoint.host());
      span.setAttribute(SERVER_PORT, (long) endpoint.port());
    }
    span.setAttribute(RPC_GRPC_STATUS_CODE, (long) status.getCode().value());
    if (!status.isOk()) span.setStatus(StatusCode.ERROR, status.getCode().name());
    span.end();
  }

  /** Adds the RPC attributes to the inbound guard's server span. */
  static void describeServer(Span span, MethodDescriptor<?, ?> method) {
    if (!span.isRecording()) return;
    span.setAttribute(RPC_SYSTEM, "grpc");
    span.setAttribute(RPC_SERVICE, nullToEmpty(method.getServiceName()));
    span.setAttribute(RPC_METHOD, nullToEmpty(method.getBareMethodName()));
  }

  /** Records the status on the server span before the guard ends it. */
  static void serverStatus(Span span, Status status) {
    if (!span.isRecording()) return;
    span.setAttribute(RPC_GRPC_STATUS_CODE, (long) status.getCode().value());
    switch (status.getCode()) {
      case UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS ->
          span.setStatus(StatusCode.ERROR, status.getCode().name());
      default -> { }
    }
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
