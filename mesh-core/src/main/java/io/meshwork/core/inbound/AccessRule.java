package io.meshwork.core.inbound;

import io.meshwork.core.model.ServerPolicy;
import java.util.HashSet;
import java.util.Set;

/**
 * A service's {@code server.allow} in one trust domain, ready to check callers: entries are
 * {@code *} (anyone, even a caller without an identity), a SPIFFE ID (exactly that identity), or
 * a service name ({@code spiffe://<trust domain>/service/<name>}). Callers are verified SPIFFE
 * IDs, which are well-formed, so an entry that is not (a bad name, a bad trust domain) matches
 * nobody: the rule never throws, as policies change with the registry at run time. The reasons
 * are worded as mesh-tls's {@code AccessPolicy}'s.
 *
 * <p>Immutable; {@link #denial} is one hash lookup and allocates only for a denial.
 */
final class AccessRule {
  private static final String SPIFFE = "spiffe://";
  private static final String SERVICE_PATH = "/service/";

  final ServerPolicy source;
  final String trustDomain;
  private final boolean anyone;
  private final Set<String> allowed;
  private final String allowList;

  private AccessRule(ServerPolicy source, String trustDomain) {
    this.source = source;
    this.trustDomain = trustDomain;
    this.anyone = source.allowsAnyone();
    Set<String> ids = new HashSet<>();
    for (String entry : source.allow()) {
      if (entry.equals(ServerPolicy.ANY)) continue;
      ids.add(entry.startsWith(SPIFFE) ? entry : SPIFFE + trustDomain + SERVICE_PATH + entry);
    }
    this.allowed = Set.copyOf(ids);
    this.allowList = String.join(", ", source.allow());
  }

  static AccessRule of(ServerPolicy source, String trustDomain) {
    return new AccessRule(source, trustDomain);
  }

  /** Whether this was built from {@code source} in {@code trustDomain}. */
  boolean isFor(ServerPolicy source, String trustDomain) {
    return this.source == source && this.trustDomain.equals(trustDomain);
  }

  /**
   * Why {@code caller} (a verified SPIFFE ID, or {@code null} for a caller without one) may not
   * call, or {@code null} when it may.
   */
  String denial(String caller) {
    if (anyone) return null;
    if (caller == null) {
      return "the caller has no verified identity (no client certificate); allow: " + allowList;
    }
    return allowed.contains(caller) ? null : "caller " + caller + " is not allowed (allow: " + allowList + ")";
  }
}
