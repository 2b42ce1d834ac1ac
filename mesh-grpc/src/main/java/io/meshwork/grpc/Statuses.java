package io.meshwork.grpc;

import io.grpc.Status;
import io.meshwork.core.MeshException;
import io.meshwork.core.inbound.Refusal;
import io.meshwork.core.inbound.RefusalKind;

/** Maps between mesh failures and gRPC {@link Status}es, at the edges only. */
final class Statuses {
  // The HTTP status a gRPC code corresponds to (google.rpc.Code's documented mapping), for the
  // inbound guard's request timer, which is keyed by HTTP status.
  private static final int[] HTTP = {
    200, // OK
    499, // CANCELLED
    500, // UNKNOWN
    400, // INVALID_ARGUMENT
    504, // DEADLINE_EXCEEDED
    404, // NOT_FOUND
    409, // ALREADY_EXISTS
    403, // PERMISSION_DENIED
    429, // RESOURCE_EXHAUSTED
    400, // FAILED_PRECONDITION
    409, // ABORTED
    400, // OUT_OF_RANGE
    501, // UNIMPLEMENTED
    500, // INTERNAL
    503, // UNAVAILABLE
    500, // DATA_LOSS
    401, // UNAUTHENTICATED
  };

  private Statuses() {}

  /**
   * The status a call stopped by a mesh rule ends with: the exception's {@link
   * MeshException#grpcCode() code} (no endpoints or circuit open: UNAVAILABLE; deadline:
   * DEADLINE_EXCEEDED; retry budget or concurrency limit: RESOURCE_EXHAUSTED; access denied:
   * PERMISSION_DENIED), its message (service and rule) as the description, and the exception
   * itself as the cause, so a caller in this process can tell which rule it was.
   */
  static Status of(MeshException e) {
    return Status.fromCodeValue(e.grpcCode()).withDescription(e.getMessage()).withCause(e);
  }

  /**
   * The code a call the inbound guard refused for {@code kind} ends with: identity required →
   * UNAVAILABLE (the connection can carry no call while the mode stays strict; as a channel
   * without an identity fails, and HTTP's 503), access denied → PERMISSION_DENIED (403), deadline
   * passed → DEADLINE_EXCEEDED (504).
   */
  static Status.Code code(RefusalKind kind) {
    return switch (kind) {
      case IDENTITY_REQUIRED -> Status.Code.UNAVAILABLE;
      case ACCESS_DENIED -> Status.Code.PERMISSION_DENIED;
      case DEADLINE_PASSED -> Status.Code.DEADLINE_EXCEEDED;
    };
  }

  /** The status a call the inbound guard refused ends with: {@link #code}, the refusal's message as description. */
  static Status of(Refusal refusal) {
    return Status.fromCode(code(refusal.kind())).withDescription(refusal.message());
  }

  /** The HTTP status that stands for {@code code} in server meters. */
  static int httpStatus(Status.Code code) {
    int v = code.value();
    return v >= 0 && v < HTTP.length ? HTTP[v] : 500;
  }
}
