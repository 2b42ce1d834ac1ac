package io.meshwork.http;

import io.meshwork.core.MeshException;

/**
 * The registry's TLS mode for the destination is {@code strict} and the client has no workload
 * identity to speak mutual TLS with (it was built by {@link MeshHttp#client(io.meshwork.core.Mesh)}
 * without a {@code MeshTls}). Nothing was sent. The message says what to do, e.g. {@code greeter:
 * mesh TLS mode is strict but this client has no workload identity; pass a MeshTls}.
 *
 * <p>Maps to 503 and gRPC UNAVAILABLE, as mesh-grpc's channels without an identity fail.
 */
public final class IdentityRequiredException extends MeshException {
  private static final long serialVersionUID = 1L;

  public IdentityRequiredException(String service) {
    super(service, "mesh TLS mode is strict but this client has no workload identity; pass a MeshTls", null, false);
  }

  @Override
  public int grpcCode() {
    return 14;
  }

  @Override
  public int httpStatus() {
    return 503;
  }
}
