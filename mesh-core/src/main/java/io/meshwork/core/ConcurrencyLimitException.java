package io.meshwork.core;

/** Thrown when the caller already has maxConcurrentRequests calls in flight to the service. Nothing was sent. */
public final class ConcurrencyLimitException extends MeshException {
  private static final long serialVersionUID = 1L;

  public ConcurrencyLimitException(String service, String message) {
    super(service, message, null, false);
  }

  @Override
  public int grpcCode() {
    return 8;
  }

  @Override
  public int httpStatus() {
    return 503;
  }
}
