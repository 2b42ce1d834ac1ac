package io.meshwork.http;

import io.meshwork.core.MeshException;
import java.io.IOException;

/**
 * A mesh rule stopped an OkHttp call: no endpoints, circuit open, deadline exceeded, retry budget
 * exhausted, concurrency limit. OkHttp's contract is that calls fail with {@link IOException},
 * so the mesh's reason travels as this exception's cause; {@link #reason()} returns it typed.
 *
 * <p>The message is the reason's, e.g. {@code greeter: no endpoints (the registry lists none)}.
 */
public final class MeshIOException extends IOException {
  private static final long serialVersionUID = 1L;

  public MeshIOException(MeshException reason) {
    super(reason.getMessage(), reason);
  }

  /** The mesh rule that stopped the call; its subclass says which. */
  public MeshException reason() {
    return (MeshException) getCause();
  }

  /** The service called. */
  public String service() {
    return reason().service();
  }

  /** Whether any attempt of the call may have reached a server. */
  public boolean requestSent() {
    return reason().requestSent();
  }
}
