package io.meshwork.core;

/** Thrown when the server's access policy does not allow the caller. Nothing was sent. */
public final class AccessDeniedException extends MeshException {
  private static final long serialVersionUID = 1L;

  public AccessDeniedException(String service, String message) {
    super(service, message, null, false);
  }

  @Override
  public int grpcCode() {
    return 7;
  }

  @Override
  public int httpStatus() {
    return 403;
  }
}
