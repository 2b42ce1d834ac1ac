package io.meshwork.core.inbound;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * What the {@link InboundGuard} needs to know of an incoming request, adapted by each server
 * transport (the JDK's HTTP server, a servlet container, gRPC metadata). Never the body.
 *
 * <p>Only {@link #method()} and {@link #header(String)} are required. {@link #tls()} and {@link
 * #peerIdentity()} say how the call came, for the TLS mode and the access policy; they default
 * to plaintext without an identity, which a strict mesh refuses. The other methods feed the
 * server span and default to "unknown": an adapter that leaves {@link #scheme()} {@code null}
 * (gRPC) gets a server span named after {@link #method()} with no HTTP attributes, and adds its
 * own through {@link InboundCall#span()}.
 */
public interface InboundRequest {
  /**
   * The request's method, used as the bounded {@code route} tag of server meters: an HTTP
   * method, or for gRPC the full method name (bounded by the service definition). Never a raw
   * path.
   */
  String method();

  /** The first value of a header, looked up by its lower-case name, or {@code null}. */
  String header(String lowerCaseName);

  /**
   * Every value of a header, one per header line, in the order received; empty when absent.
   * Trace-context propagators read it to combine {@code tracestate} lines and to refuse a
   * duplicated {@code traceparent}. The default returns {@link #header(String)} alone, which is
   * right only for transports that keep one value per name.
   */
  default List<String> headers(String lowerCaseName) {
    String v = header(lowerCaseName);
    return v == null ? List.of() : List.of(v);
  }

  /**
   * The header names present, in any case. Only propagators that scan every header (e.g.
   * Jaeger's baggage) use it; the default is none.
   */
  default Iterable<String> headerNames() {
    return List.of();
  }

  /**
   * Whether the request came over a TLS connection. The default: whether {@link #scheme()} is
   * {@code https}.
   */
  default boolean tls() {
    return "https".equals(scheme());
  }

  /**
   * The SPIFFE ID of the client certificate the connection's TLS handshake verified (against the
   * mesh's trust bundle), or {@code null} when there is none (plaintext, or TLS without a client
   * certificate). Only from the TLS session (or a container's verified certificate), never from
   * a header. The guard ignores it when {@link #tls()} is false, and puts it into the handler's
   * context ({@link io.meshwork.core.MeshContext#callerIdentity}). Default: none.
   */
  default String peerIdentity() {
    return null;
  }

  /**
   * {@code http} or {@code https} for an HTTP transport, {@code null} for any other. It decides
   * whether the server span follows the HTTP semantic conventions.
   */
  default String scheme() {
    return null;
  }

  /** The request target's path, without the query ({@code url.path}), or {@code null}. */
  default String path() {
    return null;
  }

  /** The query without its {@code ?} ({@code url.query}), or {@code null} when there is none. */
  default String query() {
    return null;
  }

  /**
   * The matched route template, of low cardinality ({@code http.route}): a servlet mapping such
   * as {@code /orders/*}, or the JDK server's context path; never the raw path. {@code null}
   * when the transport does not know one.
   */
  default String route() {
    return null;
  }

  /** The other end of the connection ({@code client.address}, {@code network.peer.*}), or {@code null}. */
  default InetSocketAddress remoteAddress() {
    return null;
  }
}
