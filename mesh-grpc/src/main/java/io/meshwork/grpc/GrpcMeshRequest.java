package io.meshwork.grpc;

import io.grpc.Metadata;
import io.meshwork.core.Deadline;
import io.meshwork.core.MeshRequest;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A gRPC call's metadata as the engine sees it: headers for routes and ring hashing, whether
 * the method may be sent twice, and the deadline the caller set on the call ({@code CallOptions}),
 * as opposed to one inherited through a context. Reads the metadata on demand; copies nothing.
 */
final class GrpcMeshRequest implements MeshRequest {
  // Header names asked for come from the registry's routes and hash header, and from the
  // propagators: a bounded set, so the keys are made once each.
  private static final ConcurrentHashMap<String, Metadata.Key<String>> KEYS = new ConcurrentHashMap<>();

  private final Metadata headers;
  private final boolean idempotent;
  private final Deadline deadline;

  GrpcMeshRequest(Metadata headers, boolean idempotent, Deadline deadline) {
    this.headers = headers;
    this.idempotent = idempotent;
    this.deadline = deadline;
  }

  @Override
  public String header(String lowerCaseName) {
    return get(headers, lowerCaseName);
  }

  @Override
  public boolean idempotent() {
    return idempotent;
  }

  @Override
  public Deadline deadline() {
    return deadline;
  }

  /** The first ASCII value of {@code name} in {@code headers}; {@code null} for binary headers. */
  static String get(Metadata headers, String name) {
    if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) return null;
    return headers.get(key(name));
  }

  static Metadata.Key<String> key(String name) {
    Metadata.Key<String> k = KEYS.get(name);
    if (k == null) {
      k = KEYS.computeIfAbsent(name, n -> Metadata.Key.of(n, Metadata.ASCII_STRING_MARSHALLER));
    }
    return k;
  }
}
