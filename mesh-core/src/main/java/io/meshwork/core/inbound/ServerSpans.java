package io.meshwork.core.inbound;

import io.meshwork.core.wire.QueryRedaction;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Server spans after the OpenTelemetry HTTP semantic conventions (stable, v1.23 and later):
 * name {@code {method} {route}} or {@code {method}}, kind SERVER, the attributes below. Attribute
 * keys are spelled out here rather than taken from the incubating semconv artifact, so mesh-core
 * depends on the OpenTelemetry API alone.
 *
 * @see <a href="https://opentelemetry.io/docs/specs/semconv/http/http-spans/#http-server">HTTP server spans</a>
 */
final class ServerSpans {
  static final AttributeKey<String> HTTP_REQUEST_METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<String> HTTP_REQUEST_METHOD_ORIGINAL = AttributeKey.stringKey("http.request.method_original");
  static final AttributeKey<Long> HTTP_RESPONSE_STATUS_CODE = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<String> HTTP_ROUTE = AttributeKey.stringKey("http.route");
  static final AttributeKey<String> URL_SCHEME = AttributeKey.stringKey("url.scheme");
  static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
  static final AttributeKey<String> URL_QUERY = AttributeKey.stringKey("url.query");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
  static final AttributeKey<String> NETWORK_PEER_ADDRESS = AttributeKey.stringKey("network.peer.address");
  static final AttributeKey<Long> NETWORK_PEER_PORT = AttributeKey.longKey("network.peer.port");
  static final AttributeKey<String> USER_AGENT_ORIGINAL = AttributeKey.stringKey("user_agent.original");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  /** The methods the conventions know; any other is reported as {@code _OTHER}. */
  private static final String[] KNOWN_METHODS = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"
  };

  private ServerSpans() {}

  /**
   * Starts the server span of {@code request} as a child of the trace context in {@code parent}.
   * Attributes that samplers may use are set before the span starts.
   */
  static Span start(Tracer tracer, InboundRequest request, Context parent) {
    if (!tracer.isEnabled()) {
      // Tracing off: a non-recording span of the caller's context (never a span of the parent
      // context itself, which ending this request would end).
      return Span.wrap(Span.fromContext(parent).getSpanContext());
    }
    String method = request.method();
    String scheme = request.scheme();
    if (scheme == null) {
      // Not HTTP: the transport names the span after its method and adds its own attributes.
      return tracer.spanBuilder(method == null ? "request" : method)
          .setSpanKind(SpanKind.SERVER).setParent(parent).startSpan();
    }
    String known = knownMethod(method);
    String route = request.route();
    String name = known == null ? "HTTP" : route == null ? known : known + " " + route;
    SpanBuilder b = tracer.spanBuilder(name).setSpanKind(SpanKind.SERVER).setParent(parent);
    if (known != null) {
      b.setAttribute(HTTP_REQUEST_METHOD, known);
    } else {
      b.setAttribute(HTTP_REQUEST_METHOD, "_OTHER");
      if (method != null) b.setAttribute(HTTP_REQUEST_METHOD_ORIGINAL, method);
    }
    b.setAttribute(URL_SCHEME, scheme);
    String path = request.path();
    if (path != null) b.setAttribute(URL_PATH, path);
    String query = request.query();
    if (query != null) b.setAttribute(URL_QUERY, QueryRedaction.redact(query));
    if (route != null) b.setAttribute(HTTP_ROUTE, route);
    setServer(b, request.header("host"), scheme);
    InetSocketAddress peer = request.remoteAddress();
    if (peer != null) {
      InetAddress a = peer.getAddress();
      String address = a != null ? a.getHostAddress() : peer.getHostString();
      b.setAttribute(CLIENT_ADDRESS, address);
      b.setAttribute(NETWORK_PEER_ADDRESS, address);
      b.setAttribute(NETWORK_PEER_PORT, peer.getPort());
    }
    String userAgent = request.header("user-agent");
    if (userAgent != null) b.setAttribute(USER_AGENT_ORIGINAL, userAgent);
    return b.startSpan();
  }

  /**
   * Ends {@code span} with the response status (HTTP only; 0 for none, as when the client went
   * away before the handler set one) and, on a failure, {@code error.type} and an error status:
   * for servers only 5xx statuses are failures.
   */
  static void end(Span span, boolean http, int status, String errorType) {
    if (!span.isRecording()) {
      span.end();
      return;
    }
    if (http && status > 0) span.setAttribute(HTTP_RESPONSE_STATUS_CODE, (long) status);
    String error = errorType != null ? errorType : http && status >= 500 ? Integer.toString(status) : null;
    if (error != null) {
      span.setAttribute(ERROR_TYPE, error);
      span.setStatus(StatusCode.ERROR);
    }
    span.end();
  }

  static String knownMethod(String method) {
    if (method == null) return null;
    for (String m : KNOWN_METHODS) {
      if (m.equals(method)) return m;
    }
    return null;
  }

  /** {@code server.address} and {@code server.port} from the Host header ({@code host[:port]}, IPv6 in brackets). */
  private static void setServer(SpanBuilder b, String host, String scheme) {
    if (host == null) return;
    host = host.strip();
    if (host.isEmpty()) return;
    int colon = host.lastIndexOf(':');
    int bracket = host.lastIndexOf(']');
    String name = host;
    long port = "https".equals(scheme) ? 443 : 80;
    if (colon > bracket) {
      name = host.substring(0, colon);
      port = parsePort(host, colon + 1);
    }
    if (name.startsWith("[") && name.endsWith("]")) name = name.substring(1, name.length() - 1);
    if (name.isEmpty()) return;
    b.setAttribute(SERVER_ADDRESS, name);
    if (port > 0) b.setAttribute(SERVER_PORT, port);
  }

  /** The port after {@code from}, or 0 when it is not 1 to 5 digits within 1..65535. */
  private static long parsePort(String s, int from) {
    int n = s.length() - from;
    if (n < 1 || n > 5) return 0;
    long port = 0;
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') return 0;
      port = port * 10 + (c - '0');
    }
    return port <= 65535 ? port : 0;
  }
}
