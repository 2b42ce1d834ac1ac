package io.meshwork.core.inbound;

import java.util.Objects;

/**
 * The {@link InboundGuard}'s refusal of an inbound call: which rule refused it and a message for
 * the caller (the response body, or the gRPC status description) that names the service and the
 * rule, e.g. {@code greeter: caller spiffe://example.org/service/frontend is not allowed (allow:
 * checkout)}. Transports map {@link #kind()} to their status and send {@link #message()}.
 *
 * @param kind the rule that refused the call
 * @param message why, naming the service and the rule
 */
public record Refusal(RefusalKind kind, String message) {
  public Refusal {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(message, "message");
  }
}
