package io.meshwork.tls;

import io.meshwork.core.model.ServerPolicy;

/**
 * The access policy in force for a service whose {@code server.allow} and trust domain come from
 * live registry snapshots: {@link #check} builds an {@link AccessPolicy} only when the policy or
 * the trust domain differs from the last one, so a request costs one comparison and one lookup.
 * Mesh servers no longer use it: their inbound guard (mesh-core's {@code InboundGuard}) checks
 * {@code server.allow} itself, with the same rules and wording.
 *
 * <p>A trust domain that is not a SPIFFE trust domain can name no caller: then only
 * {@code allow: *} admits anyone, and every other policy refuses, saying why.
 *
 * <p>Thread-safe: racing rebuilds build equal policies, and the last one wins.
 */
public final class AccessPolicyCache {
  private volatile Entry current;

  /** The access policy in force and what it was built from. */
  private record Entry(ServerPolicy source, String trustDomain, AccessPolicy access, AccessDecision fixed) {}

  /** Whether {@code caller} (a verified SPIFFE ID, or {@code null}) may call under this policy. */
  public AccessDecision check(ServerPolicy source, String trustDomain, String caller) {
    Entry e = current;
    if (e == null || e.source() != source || !e.trustDomain().equals(trustDomain)) {
      e = build(source, trustDomain);
      current = e;
    }
    return e.access() != null ? e.access().check(caller) : e.fixed();
  }

  private static Entry build(ServerPolicy source, String trustDomain) {
    try {
      return new Entry(source, trustDomain, AccessPolicy.of(source, trustDomain), null);
    } catch (IllegalArgumentException e) {
      AccessDecision fixed = source.allowsAnyone()
          ? new AccessDecision(true, "any caller is allowed (allow: *)")
          : new AccessDecision(false, "the registry's trust domain cannot name callers (" + e.getMessage() + ")");
      return new Entry(source, trustDomain, null, fixed);
    }
  }
}
