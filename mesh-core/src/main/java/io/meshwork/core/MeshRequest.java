package io.meshwork.core;

import java.util.Locale;
import java.util.Map;

/**
 * What the engine needs to know of a request: its headers (for routes and ring hashing) and
 * whether it is safe to send twice. Transports adapt their own request type; the engine never
 * sees bodies.
 */
public interface MeshRequest {
  /** The value of a header, looked up by its lower-case name, or {@code null}. */
  String header(String lowerCaseName);

  /**
   * Whether sending the request twice has the same effect as once (GET, HEAD, PUT, DELETE,
   * OPTIONS in HTTP; in gRPC, methods the proto's {@code idempotency_level}, the caller's call
   * option or the registry's {@link io.meshwork.core.model.RetryPolicy#idempotentMethods} mark).
   * A non-idempotent request is retried only when it provably never reached a server.
   */
  boolean idempotent();

  /** An idempotent request without headers. */
  MeshRequest EMPTY_IDEMPOTENT = of(Map.of(), true);

  /** A request with these headers (names in any case). */
  static MeshRequest of(Map<String, String> headers, boolean idempotent) {
    Map<String, String> lower = new java.util.HashMap<>();
    headers.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
    Map<String, String> copy = Map.copyOf(lower);
    return new MeshRequest() {
      @Override
      public String header(String name) {
        return copy.get(name);
      }

      @Override
      public boolean idempotent() {
        return idempotent;
      }
    };
  }
}
