package io.meshwork.tls;

import io.meshwork.core.model.ServerPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Decides whether a caller may call a service, from the service's {@link ServerPolicy}
 * ({@code server.allow} in the registry) and the caller's verified SPIFFE ID, independent of
 * any transport. Entries of {@code allow} are:
 *
 * <ul>
 *   <li>{@code "*"}: any caller, even one without an identity (plaintext in permissive mode);
 *   <li>a SPIFFE ID ({@code spiffe://...}): exactly that identity, in any trust domain;
 *   <li>a service name: that service's identity in this mesh's trust domain, {@code
 *       spiffe://<trustDomain>/service/<name>}.
 * </ul>
 *
 * A caller without an identity is denied unless {@code "*"} is allowed. An entry that is neither
 * (a malformed SPIFFE ID) matches nobody and is listed by {@link #ignoredEntries()}; it never
 * makes the policy throw, because policies change with the registry at run time.
 *
 * <p>The caller's identity must come from the TLS session ({@link MeshTls#peerIdentity}),
 * never from a header.
 *
 * <p>Immutable and thread-safe. Build one per policy change (the registry's listener thread),
 * check per request: {@link #check} is one hash lookup and allocates nothing when the caller is
 * allowed.
 */
public final class AccessPolicy {
  private static final AccessDecision ANYONE = new AccessDecision(true, "any caller is allowed (allow: *)");

  private final ServerPolicy policy;
  private final String trustDomain;
  private final boolean anyone;
  private final Map<String, AccessDecision> allowed; // SPIFFE ID string -> its decision
  private final List<String> ignored;
  private final String allowList;

  private AccessPolicy(ServerPolicy policy, String trustDomain) {
    this.policy = policy;
    this.trustDomain = trustDomain;
    this.anyone = policy.allowsAnyone();
    Map<String, AccessDecision> m = new HashMap<>();
    List<String> bad = new ArrayList<>();
    for (String entry : policy.allow()) {
      if (entry.equals(ServerPolicy.ANY)) continue;
      String id;
      if (entry.startsWith(SpiffeId.PREFIX)) {
        id = SpiffeId.tryParse(entry).map(SpiffeId::toString).orElse(null);
      } else {
        try {
          id = SpiffeId.forService(trustDomain, entry).toString();
        } catch (IllegalArgumentException e) {
          id = null;
        }
      }
      if (id == null) {
        bad.add(entry);
      } else {
        m.putIfAbsent(id, new AccessDecision(true, "caller " + id + " is allowed (allow: " + entry + ")"));
      }
    }
    this.allowed = Map.copyOf(m);
    this.ignored = List.copyOf(bad);
    this.allowList = String.join(", ", policy.allow());
  }

  /**
   * The policy {@code policy} in trust domain {@code trustDomain} (where service names in it
   * live).
   *
   * @throws IllegalArgumentException when {@code trustDomain} is not a valid trust domain
   */
  public static AccessPolicy of(ServerPolicy policy, String trustDomain) {
    Objects.requireNonNull(policy, "policy");
    SpiffeId.forService(Objects.requireNonNull(trustDomain, "trustDomain"), "check"); // validates it
    return new AccessPolicy(policy, trustDomain);
  }

  /** One-off check; prefer building the policy once with {@link #of}. */
  public static AccessDecision check(ServerPolicy policy, String trustDomain, SpiffeId caller) {
    return of(policy, trustDomain).check(caller);
  }

  /** Whether {@code caller} (or an anonymous caller, when {@code null}) may call. */
  public AccessDecision check(SpiffeId caller) {
    return check(caller == null ? null : caller.toString());
  }

  /**
   * Whether the caller with SPIFFE ID {@code caller} (as {@code MeshContext.callerIdentity}
   * holds it), or an anonymous caller when {@code null}, may call.
   */
  public AccessDecision check(String caller) {
    if (anyone) {
      return ANYONE;
    }
    if (caller == null) {
      return new AccessDecision(false, "the caller has no verified identity (no client certificate); allow: "
          + allowList);
    }
    AccessDecision d = allowed.get(caller);
    return d != null ? d : new AccessDecision(false, "caller " + caller + " is not allowed (allow: " + allowList + ")");
  }

  /** The policy this was built from. */
  public ServerPolicy policy() {
    return policy;
  }

  /** The trust domain service names are resolved in. */
  public String trustDomain() {
    return trustDomain;
  }

  /** Entries of {@code allow} that can match nobody (malformed SPIFFE IDs or names). */
  public List<String> ignoredEntries() {
    return ignored;
  }

  @Override
  public String toString() {
    return "AccessPolicy(allow: " + allowList + " in " + trustDomain + ")";
  }
}
