package io.meshwork.core.inbound;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * Who has called this service, as the {@link InboundGuard}s of one mesh recorded it: one caller
 * identity with how many of its requests were accepted and refused, and how long ago it was last
 * seen. From {@link io.meshwork.core.Mesh#inboundCallers()}, for operators ("who calls us, and who
 * is being turned away?"); a point-in-time copy.
 *
 * @param identity the caller's verified SPIFFE ID (from the mTLS session, never a header); {@value
 *     #ANONYMOUS} for calls without one (plaintext, or TLS without a client certificate); {@value
 *     #OTHER} for the callers beyond the first {@value #MAX_CALLERS} distinct identities, counted
 *     together
 * @param accepted requests the guard let through to the handler
 * @param refused requests refused before their handler ran, per rule; a kind with none is absent
 * @param sinceLastSeen how long ago (by the mesh's ticker) the last request of this caller began,
 *     to the millisecond
 */
public record InboundCaller(String identity, long accepted, Map<RefusalKind, Long> refused,
    Duration sinceLastSeen) {
  /** The identity under which calls without a verified identity are counted. */
  public static final String ANONYMOUS = "anonymous";
  /** The identity under which callers beyond the first {@value #MAX_CALLERS} are counted. */
  public static final String OTHER = "other";
  /** How many distinct caller identities a mesh records on their own. */
  public static final int MAX_CALLERS = 256;

  public InboundCaller {
    Objects.requireNonNull(identity, "identity");
    refused = refused.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(refused));
    Objects.requireNonNull(sinceLastSeen, "sinceLastSeen");
  }

  /** Requests refused, whatever the rule. */
  public long refusedTotal() {
    long n = 0;
    for (long v : refused.values()) n += v;
    return n;
  }
}
