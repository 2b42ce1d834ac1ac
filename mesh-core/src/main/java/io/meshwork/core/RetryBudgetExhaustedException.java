package io.meshwork.core;

/**
 * A retry was called for but the destination's retry budget had none left; the cause is the
 * last attempt's failure.
 */
public final class RetryBudgetExhaustedException extends MeshException {
  private static final long serialVersionUID = 1L;

  public RetryBudgetExhaustedException(String service, String message, Throwable cause, boolean requestSent) {
    super(service, message, cause, requestSent);
  }

  @Override
  public int grpcCode() {
    return Outcome.GRPC_RESOURCE_EXHAUSTED;
  }

  @Override
  public int httpStatus() {
    return 503;
  }
}
