package io.meshwork.core.inbound;

import java.util.List;

/**
 * What the {@link InboundGuard} needs to know of an incoming request, adapted by each server
 * transport (the JDK's HTTP server, a servlet container, gRPC metadata). Never the body.
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
   * The header names present, in any case. Only propagators that scan every header (e.g.
   * Jaeger's baggage) use it; the default is none.
   */
  default Iterable<String> headerNames() {
    return List.of();
  }
}
