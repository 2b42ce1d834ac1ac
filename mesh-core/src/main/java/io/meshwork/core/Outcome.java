package io.meshwork.core;

/**
 * What happened to one attempt, as the transport saw it. The engine classifies it (success,
 * retryable failure, final failure) against the destination's policy; the transport only
 * reports facts.
 *
 * <p>Outcomes for HTTP statuses and gRPC codes are cached constants, so reporting them
 * allocates nothing.
 */
public final class Outcome {

  /** The kind of thing that happened. */
  public enum Kind {
    /** The server answered with an HTTP status or a gRPC status. */
    RESPONSE,
    /** No connection could be made: the request never reached a server. */
    CONNECT_FAILURE,
    /** The connection broke after the request may have been sent. */
    RESET,
    /** The attempt's own timeout passed before an answer. */
    TIMEOUT,
    /** The caller cancelled the attempt. */
    CANCELLED,
    /** Any other error. */
    ERROR
  }

  /** gRPC status codes the engine distinguishes (numbering of {@code io.grpc.Status.Code}). */
  public static final int GRPC_OK = 0;
  public static final int GRPC_UNKNOWN = 2;
  public static final int GRPC_DEADLINE_EXCEEDED = 4;
  public static final int GRPC_RESOURCE_EXHAUSTED = 8;
  public static final int GRPC_INTERNAL = 13;
  public static final int GRPC_UNAVAILABLE = 14;
  public static final int GRPC_DATA_LOSS = 15;

  private static final String[] GRPC_NAMES = {
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
    "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
    "UNAUTHENTICATED"
  };

  private static final Outcome[] HTTP = new Outcome[600];
  private static final Outcome[] GRPC = new Outcome[GRPC_NAMES.length];
  private static final Outcome TIMEOUT_OUTCOME = new Outcome(Kind.TIMEOUT, 0, false, null, true);
  private static final Outcome CANCELLED_OUTCOME = new Outcome(Kind.CANCELLED, 0, false, null, true);

  static {
    for (int s = 100; s < 600; s++) {
      HTTP[s] = new Outcome(Kind.RESPONSE, s, false, null, true);
    }
    for (int c = 0; c < GRPC.length; c++) {
      GRPC[c] = new Outcome(Kind.RESPONSE, c, true, null, true);
    }
  }

  private final Kind kind;
  private final int status;
  private final boolean grpc;
  private final Throwable cause;
  private final boolean requestSent;
  /** {@link #isSuccess()}, worked out once: it is asked on every completion. */
  private final boolean success;

  private Outcome(Kind kind, int status, boolean grpc, Throwable cause, boolean requestSent) {
    this.kind = kind;
    this.status = status;
    this.grpc = grpc;
    this.cause = cause;
    this.requestSent = requestSent;
    this.success = kind == Kind.RESPONSE && (grpc
        ? status != GRPC_UNKNOWN && status != GRPC_DEADLINE_EXCEEDED && status != GRPC_INTERNAL
            && status != GRPC_UNAVAILABLE && status != GRPC_DATA_LOSS
        : status < 500);
  }

  /** An HTTP response with {@code status} (100 to 599). */
  public static Outcome http(int status) {
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("status: " + status + " (expected: 100 to 599)");
    }
    return HTTP[status];
  }

  /** A gRPC call that ended with status {@code code} (0 to 16). */
  public static Outcome grpc(int code) {
    if (code < 0 || code >= GRPC.length) {
      throw new IllegalArgumentException("code: " + code + " (expected: 0 to 16)");
    }
    return GRPC[code];
  }

  /** The connection could not be made; the request provably never left. */
  public static Outcome connectFailure(Throwable cause) {
    return new Outcome(Kind.CONNECT_FAILURE, 0, false, cause, false);
  }

  /** The connection broke after the request may have been sent. */
  public static Outcome reset(Throwable cause) {
    return new Outcome(Kind.RESET, 0, false, cause, true);
  }

  /** The attempt's per-try timeout (or the call's deadline) passed. */
  public static Outcome timeout() {
    return TIMEOUT_OUTCOME;
  }

  /** The caller cancelled. Never retried. */
  public static Outcome cancelled() {
    return CANCELLED_OUTCOME;
  }

  /**
   * Another error. {@code requestSent} false says the request provably never reached the
   * server (so even a non-idempotent request may be retried).
   */
  public static Outcome error(Throwable cause, boolean requestSent) {
    return new Outcome(Kind.ERROR, 0, false, cause, requestSent);
  }

  public Kind kind() {
    return kind;
  }

  /** The HTTP status or gRPC code of a {@link Kind#RESPONSE}; 0 otherwise. */
  public int status() {
    return status;
  }

  /** Whether {@link #status()} is a gRPC code. */
  public boolean isGrpc() {
    return grpc;
  }

  /** The exception behind a failure without a response, or {@code null}. */
  public Throwable cause() {
    return cause;
  }

  /** Whether the request may have reached the server. */
  public boolean requestSent() {
    return requestSent;
  }

  /**
   * Whether the attempt counts as a success for endpoint health, the circuit breaker and
   * metrics: any HTTP status below 500 (a 4xx is the caller's problem, not the server's), and
   * any gRPC code except UNKNOWN, DEADLINE_EXCEEDED, INTERNAL, UNAVAILABLE and DATA_LOSS.
   */
  public boolean isSuccess() {
    return success;
  }

  /** A short, bounded label for metrics and logs: {@code 200}, {@code UNAVAILABLE}, {@code connect-failure}. */
  public String statusLabel() {
    switch (kind) {
      case RESPONSE: return grpc ? GRPC_NAMES[status] : HttpStatusLabels.LABELS[status];
      case CONNECT_FAILURE: return "connect-failure";
      case RESET: return "reset";
      case TIMEOUT: return "timeout";
      case CANCELLED: return "cancelled";
      default: return "error";
    }
  }

  /** A description for error messages: the status, or the cause's message. */
  public String describe() {
    if (kind == Kind.RESPONSE) {
      return (grpc ? "status " : "HTTP ") + statusLabel();
    }
    String label = statusLabel();
    if (cause == null) return label;
    String msg = cause.getMessage();
    return label + ": " + (msg == null ? cause.getClass().getSimpleName() : msg);
  }

  @Override
  public String toString() {
    return "Outcome[" + describe() + (requestSent ? "" : ", not sent") + "]";
  }

  /** Interned HTTP status strings, so labels allocate nothing. */
  private static final class HttpStatusLabels {
    static final String[] LABELS = new String[600];

    static {
      for (int s = 100; s < 600; s++) {
        LABELS[s] = Integer.toString(s).intern();
      }
    }
  }
}
