package io.meshwork.core;

/**
 * A mesh rule stopped a call. The message names the service and the rule, e.g.
 * {@code greeter: circuit open (50% of the last 20s failed); retry after 10s}.
 *
 * <p>Subclasses say which rule; transports map them to HTTP statuses and gRPC codes at the
 * edges ({@link #grpcCode()}, {@link #httpStatus()}). They carry no stack trace: they are
 * decisions, often taken under load, and the transport that surfaces one adds its own.
 */
public abstract class MeshException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String service;
  private final boolean requestSent;

  protected MeshException(String service, String message, Throwable cause, boolean requestSent) {
    super(service + ": " + message, cause, false, false);
    this.service = service;
    this.requestSent = requestSent;
  }

  /** The destination service. */
  public String service() {
    return service;
  }

  /** Whether any attempt of the call may have reached a server. */
  public boolean requestSent() {
    return requestSent;
  }

  /** The gRPC status code this maps to (numbering of {@code io.grpc.Status.Code}). */
  public abstract int grpcCode();

  /** The HTTP status a mesh server or gateway answers with for this failure. */
  public abstract int httpStatus();
}
