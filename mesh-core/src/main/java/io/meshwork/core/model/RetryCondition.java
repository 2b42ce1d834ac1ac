package io.meshwork.core.model;

/** The named failure kinds a retry policy can retry on (besides explicit HTTP status codes). */
public enum RetryCondition {
  /** The connection could not be made: the request provably never reached the server. */
  CONNECT_FAILURE("connect-failure"),
  /** The connection broke after the request may have been sent. */
  RESET("reset"),
  /** One attempt exceeded its per-try timeout while the call still had time. */
  PER_TRY_TIMEOUT("per-try-timeout"),
  /** The server said it is unavailable: HTTP 503 or gRPC UNAVAILABLE. */
  UNAVAILABLE("unavailable"),
  /** HTTP 502, 503, 504 or gRPC UNAVAILABLE. */
  GATEWAY_ERROR("gateway-error"),
  /** Any HTTP 5xx or gRPC UNAVAILABLE, INTERNAL, UNKNOWN. */
  SERVER_ERROR("5xx");

  private final String documentName;

  RetryCondition(String documentName) {
    this.documentName = documentName;
  }

  /** The name as written in the registry document. */
  public String documentName() {
    return documentName;
  }

  /** Parses a document name, e.g. {@code connect-failure}. */
  public static RetryCondition fromDocumentName(String name) {
    for (RetryCondition c : values()) {
      if (c.documentName.equals(name)) return c;
    }
    throw new IllegalArgumentException("'" + name + "' (expected: an HTTP status code from 400 to 599,"
        + " connect-failure, reset, per-try-timeout, unavailable, gateway-error or 5xx)");
  }
}
