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

  /**
   * The deadline the caller set on this request itself (a gRPC call's {@code CallOptions}
   * deadline), or {@code null} (the default) when it set none. It is apart from the deadline the
   * request inherits through the context ({@link MeshContext#currentDeadline()}): the engine
   * applies the sooner of the two and the policy timeout either way, and tells them apart only in
   * what it says when one has already passed ("the call's deadline passed" rather than "inherited
   * deadline passed"), so that a caller is not told of an inherited deadline it set itself.
   */
  default Deadline deadline() {
    return null;
  }

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
