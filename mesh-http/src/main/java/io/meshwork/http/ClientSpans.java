package io.meshwork.http;

import io.meshwork.core.wire.QueryRedaction;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import okhttp3.HttpUrl;
import okhttp3.Protocol;
import okhttp3.Response;

/**
 * Client spans after the OpenTelemetry HTTP semantic conventions (stable, v1.23 and later): one
 * CLIENT span per attempt, a child of the caller's context, named {@code {method}} ({@code HTTP}
 * for a method the conventions do not know), with {@code http.request.method}, {@code
 * server.address}, {@code server.port}, {@code url.full} (credentials and signed-URL query values
 * redacted), {@code
 * http.request.resend_count} on retries, {@code peer.service} for mesh services, and when the
 * attempt ends {@code http.response.status_code}, {@code network.protocol.version} and, for a
 * status of 400 or more or an exception, {@code error.type} with an error status.
 *
 * <p>The span covers the attempt up to the response headers; reading the body is not in it
 * (the conventions allow either, and an interceptor does not see the body end).
 *
 * @see <a href="https://opentelemetry.io/docs/specs/semconv/http/http-spans/#http-client">HTTP client spans</a>
 */
final class ClientSpans {
  /** The name of the tracer that makes client spans. */
  static final String INSTRUMENTATION_SCOPE = "io.meshwork.http";

  static final AttributeKey<String> HTTP_REQUEST_METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<String> HTTP_REQUEST_METHOD_ORIGINAL = AttributeKey.stringKey("http.request.method_original");
  static final AttributeKey<Long> HTTP_REQUEST_RESEND_COUNT = AttributeKey.longKey("http.request.resend_count");
  static final AttributeKey<Long> HTTP_RESPONSE_STATUS_CODE = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  static final AttributeKey<String> URL_FULL = AttributeKey.stringKey("url.full");
  static final AttributeKey<String> PEER_SERVICE = AttributeKey.stringKey("peer.service");
  static final AttributeKey<String> NETWORK_PROTOCOL_VERSION = AttributeKey.stringKey("network.protocol.version");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  private static final String[] KNOWN_METHODS = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"
  };

  private final Tracer tracer;

  ClientSpans(Tracer tracer) {
    this.tracer = tracer;
  }

  /**
   * Starts the span of one attempt sending {@code method} to {@code url}.
   *
   * @param service the mesh service called, or {@code null} for a pass-through request
   * @param resendCount 0 for a first attempt, 1 for the first retry, and so on
   */
  Span start(Context parent, String method, HttpUrl url, String service, int resendCount) {
    if (!tracer.isEnabled()) {
      // Tracing off: a non-recording span of the caller's context, which is what gets propagated.
      // Never the caller's span itself, which ending the attempt would end.
      return Span.wrap(Span.fromContext(parent).getSpanContext());
    }
    String known = knownMethod(method);
    SpanBuilder b = tracer.spanBuilder(known == null ? "HTTP" : known)
        .setSpanKind(SpanKind.CLIENT)
        .setParent(parent);
    if (known != null) {
      b.setAttribute(HTTP_REQUEST_METHOD, known);
    } else {
      b.setAttribute(HTTP_REQUEST_METHOD, "_OTHER");
      b.setAttribute(HTTP_REQUEST_METHOD_ORIGINAL, method);
    }
    b.setAttribute(SERVER_ADDRESS, url.host());
    b.setAttribute(SERVER_PORT, url.port());
    b.setAttribute(URL_FULL, fullUrl(url));
    if (service != null) b.setAttribute(PEER_SERVICE, service);
    if (resendCount > 0) b.setAttribute(HTTP_REQUEST_RESEND_COUNT, resendCount);
    return b.startSpan();
  }

  /** Ends an attempt's span that got a response. */
  static void end(Span span, Response response) {
    if (!span.isRecording()) {
      span.end();
      return;
    }
    int code = response.code();
    span.setAttribute(HTTP_RESPONSE_STATUS_CODE, (long) code);
    String version = protocolVersion(response.protocol());
    if (version != null) span.setAttribute(NETWORK_PROTOCOL_VERSION, version);
    if (code >= 400) {
      span.setAttribute(ERROR_TYPE, Integer.toString(code));
      span.setStatus(StatusCode.ERROR);
    }
    span.end();
  }

  /** Ends an attempt's span that failed without a response. */
  static void end(Span span, Throwable failure) {
    if (!span.isRecording()) {
      span.end();
      return;
    }
    span.setAttribute(ERROR_TYPE, failure.getClass().getName());
    span.setStatus(StatusCode.ERROR, failure.getMessage() == null ? "" : failure.getMessage());
    span.end();
  }

  private static String knownMethod(String method) {
    for (String m : KNOWN_METHODS) {
      if (m.equals(method)) return m;
    }
    return null;
  }

  /** The URL without user name and password, which the conventions say must not be recorded. */
  /**
   * The URL as the conventions want it in {@code url.full}: user name and password replaced by
   * {@code REDACTED}, and the values of signed-URL query parameters too ({@link QueryRedaction}).
   */
  static String fullUrl(HttpUrl url) {
    boolean credentials = !url.encodedUsername().isEmpty() || !url.encodedPassword().isEmpty();
    String query = url.encodedQuery();
    String redacted = QueryRedaction.redact(query);
    if (!credentials && redacted == query) return url.toString();
    HttpUrl.Builder b = url.newBuilder().encodedQuery(redacted);
    if (credentials) b.username(QueryRedaction.REDACTED).password(QueryRedaction.REDACTED);
    return b.build().toString();
  }

  private static String protocolVersion(Protocol p) {
    switch (p) {
      case HTTP_1_0: return "1.0";
      case HTTP_1_1: return "1.1";
      case HTTP_2:
      case H2_PRIOR_KNOWLEDGE: return "2";
      case QUIC:
      case HTTP_3: return "3";
      default: return null;
    }
  }
}
