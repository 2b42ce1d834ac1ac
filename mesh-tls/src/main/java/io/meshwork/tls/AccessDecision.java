package io.meshwork.tls;

import io.meshwork.core.AccessDeniedException;
import java.util.Objects;

/**
 * The answer of an {@link AccessPolicy}: allowed or denied, with a reason that names the caller
 * and the rule, e.g. {@code caller spiffe://example.org/service/evil is not allowed (allow:
 * frontend, checkout)}. Transports put the reason into the 403 body or the PERMISSION_DENIED
 * status description.
 *
 * @param allowed whether the call may proceed
 * @param reason why, for logs and for the caller
 */
public record AccessDecision(boolean allowed, String reason) {
  public AccessDecision {
    Objects.requireNonNull(reason, "reason");
  }

  /** A denial as the mesh's exception for {@code service} (gRPC PERMISSION_DENIED, HTTP 403). */
  public AccessDeniedException toException(String service) {
    if (allowed) {
      throw new IllegalStateException("the call was allowed: " + reason);
    }
    return new AccessDeniedException(service, reason);
  }
}
