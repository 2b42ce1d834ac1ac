package io.meshwork.tls;

import java.util.Collection;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import javax.net.ssl.SSLSession;

/**
 * Which peer identities one side of a connection accepts, checked during the handshake right
 * after the peer's chain has been validated against the trust bundle. It replaces host-name
 * verification: a mesh client accepts a server because of the SPIFFE ID in its certificate,
 * never because of a DNS name or address.
 *
 * <p>Typical policies: a client expects its destination's identity, {@link
 * #service(String, String)} (by default {@code spiffe://<trust domain>/service/<name>}); a
 * server accepts {@link #trustDomain any identity of its trust domain} and leaves the decision
 * of who may call what to the {@link AccessPolicy}, which can then answer with a reason (403,
 * PERMISSION_DENIED) rather than a failed handshake.
 *
 * <p>Implementations must be thread-safe and cheap: they run inside every full handshake. A
 * policy that depends on the connection (one SSL context for many destinations) reads the
 * handshake session: {@link SSLSession#getPeerHost()} and {@link SSLSession#getPeerPort()}
 * are the host and port the client connected to (or the SNI name a transport sets there).
 */
@FunctionalInterface
public interface PeerIdentityPolicy {
  /**
   * Whether the peer proving {@code peer} is acceptable.
   *
   * @param handshake the session being negotiated, or {@code null} when the TLS implementation
   *     did not give the socket or engine
   */
  boolean accepts(SpiffeId peer, SSLSession handshake);

  /** What this policy accepts, for messages: e.g. {@code spiffe://example.org/service/greeter}. */
  default String expectation() {
    return toString();
  }

  /** Accepts exactly {@code id}. */
  static PeerIdentityPolicy exactly(SpiffeId id) {
    Objects.requireNonNull(id, "id");
    return new PeerIdentityPolicy() {
      @Override
      public boolean accepts(SpiffeId peer, SSLSession handshake) {
        return id.equals(peer);
      }

      @Override
      public String expectation() {
        return id.toString();
      }

      @Override
      public String toString() {
        return expectation();
      }
    };
  }

  /** Accepts the identity of mesh service {@code name}: {@code spiffe://<trustDomain>/service/<name>}. */
  static PeerIdentityPolicy service(String trustDomain, String name) {
    return exactly(SpiffeId.forService(trustDomain, name));
  }

  /** Accepts any of {@code ids}. */
  static PeerIdentityPolicy anyOf(Collection<SpiffeId> ids) {
    Set<SpiffeId> set = Set.copyOf(ids);
    if (set.isEmpty()) {
      throw new IllegalArgumentException("ids: empty (expected: at least one SPIFFE ID)");
    }
    String text = set.stream().map(SpiffeId::toString).sorted().collect(Collectors.joining(" or "));
    return new PeerIdentityPolicy() {
      @Override
      public boolean accepts(SpiffeId peer, SSLSession handshake) {
        return set.contains(peer);
      }

      @Override
      public String expectation() {
        return text;
      }

      @Override
      public String toString() {
        return text;
      }
    };
  }

  /** Accepts any identity of {@code trustDomain}. */
  static PeerIdentityPolicy trustDomain(String trustDomain) {
    SpiffeId.forService(trustDomain, "check"); // validates the trust domain
    String text = "any identity in trust domain " + trustDomain;
    return new PeerIdentityPolicy() {
      @Override
      public boolean accepts(SpiffeId peer, SSLSession handshake) {
        return peer.isMemberOf(trustDomain);
      }

      @Override
      public String expectation() {
        return text;
      }

      @Override
      public String toString() {
        return text;
      }
    };
  }
}
