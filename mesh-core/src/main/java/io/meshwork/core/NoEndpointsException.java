package io.meshwork.core;

/** Thrown when no endpoints: the service is unknown or none of its endpoints can be used. Nothing was sent. */
public final class NoEndpointsException extends MeshException {
  private static final long serialVersionUID = 1L;

  public NoEndpointsException(String service, String message) {
    super(service, message, null, false);
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
