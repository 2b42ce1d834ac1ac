package io.meshwork.core;

/** Thrown when the service-level circuit breaker is open. Nothing was sent. */
public final class CircuitOpenException extends MeshException {
  private static final long serialVersionUID = 1L;

  public CircuitOpenException(String service, String message) {
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
