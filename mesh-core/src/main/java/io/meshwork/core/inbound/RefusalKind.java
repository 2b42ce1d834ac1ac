package io.meshwork.core.inbound;

/**
 * Why the {@link InboundGuard} refused an inbound call before its handler ran: the rule that
 * refused it. Each transport maps the kind to its own status (mesh-http to an HTTP status,
 * mesh-grpc to a gRPC {@code Status} code); the guard decides, the transport only answers. The
 * rules are checked in the order of the constants: a call that breaks several gets the first.
 */
public enum RefusalKind {
  /**
   * The registry's TLS mode is {@code strict} and the call came without a verified client
   * identity: over plaintext, or over TLS without a client certificate (a connection opened
   * before the mode changed, or a server without a workload identity). Strict means every call
   * carries a verified identity. The connection it came over can carry no allowed call while
   * the mode stays strict.
   */
  IDENTITY_REQUIRED("identity-required"),
  /**
   * The service's access policy ({@code server.allow} in the registry) does not list the caller,
   * or the caller has no verified identity and the policy does not allow anyone ({@code *}).
   * Enforced whatever the TLS mode.
   */
  ACCESS_DENIED("access-denied"),
  /** The call's deadline (the caller's, or one inherited) had passed when it was to be handled. */
  DEADLINE_PASSED("deadline-exceeded");

  private final String errorType;

  RefusalKind(String errorType) {
    this.errorType = errorType;
  }

  /**
   * The {@code error.type} tag of a call refused for this reason on {@code mesh.server.requests}
   * (outcome {@code refused}): {@code identity-required}, {@code access-denied}, {@code
   * deadline-exceeded}.
   */
  public String errorType() {
    return errorType;
  }
}
