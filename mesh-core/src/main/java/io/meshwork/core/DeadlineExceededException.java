package io.meshwork.core;

/**
 * The call's deadline passed: before anything was sent ({@link #requestSent()} false), during
 * an attempt, or before a retry could finish in time. Carries the last attempt's failure as its
 * cause when there was one.
 */
public final class DeadlineExceededException extends MeshException {
  private static final long serialVersionUID = 1L;

  public DeadlineExceededException(String service, String message, Throwable cause, boolean requestSent) {
    super(service, message, cause, requestSent);
  }

  @Override
  public int grpcCode() {
    return Outcome.GRPC_DEADLINE_EXCEEDED;
  }

  @Override
  public int httpStatus() {
    return 504;
  }
}
