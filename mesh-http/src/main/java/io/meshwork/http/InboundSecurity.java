package io.meshwork.http;

import io.meshwork.core.Mesh;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.ServiceSnapshot;
import io.meshwork.tls.AccessDecision;
import io.meshwork.tls.AccessPolicy;
import io.meshwork.tls.AccessPolicyCache;

/**
 * What a mesh HTTP server decides about a request before its handler runs, from how the request
 * came and what the registry says of the server's own service (mesh-grpc's server interceptor
 * decides the same, with gRPC statuses):
 *
 * <ol>
 *   <li>while the mode is {@code strict}, a request that came without a verified client
 *       certificate (over plaintext, or over TLS without one: a connection opened before the mode
 *       changed, or a server without a {@code MeshTls}) is refused with 503 and the reason. (A
 *       mesh-grpc server refuses only plaintext calls there.)
 *   <li>the service's access policy ({@code server.allow}, {@link AccessPolicy}) decides whether
 *       the caller, as its certificate names it, may call: a denied request is refused with 403,
 *       the reason (naming the caller and the rule) in the body. A caller without a certificate
 *       is denied unless {@code *} is allowed. This holds whatever the mode.
 * </ol>
 *
 * <p>The caller's identity is given by the transport from the TLS session (or a servlet
 * container's verified certificate) and never read from a header.
 *
 * <p>Thread-safe. Per request: a volatile read of the snapshot and one hash lookup; the {@link
 * AccessPolicy} is rebuilt only when the registry's policy or trust domain changes. Closing stops
 * watching the registry.
 */
final class InboundSecurity implements AutoCloseable {
  private final String service;
  private final OwnService self;
  private final String withoutTls;
  private final String withoutCertificate;
  private final AccessPolicyCache access = new AccessPolicyCache();

  /**
   * Why a request was refused: the status to answer with, the body, and whether the connection
   * it came over has no use any more (it cannot carry an allowed request while the mode stays).
   */
  record Refusal(int status, String reason, boolean obsoleteConnection) {}


  /**
   * Starts watching {@code mesh}'s own service. {@code withoutTls} and {@code withoutCertificate}
   * say, for the strict-mode refusal, how a request over plaintext, or over TLS without a client
   * certificate, can have come to this kind of server.
   */
  InboundSecurity(Mesh mesh, String withoutTls, String withoutCertificate) {
    this.service = mesh.serviceName();
    this.self = OwnService.open(mesh);
    this.withoutTls = withoutTls;
    this.withoutCertificate = withoutCertificate;
  }

  /** The registry's view of the service this server serves. */
  OwnService ownService() {
    return self;
  }

  /**
   * Whether a request may reach its handler: {@code null} when it may, else why not.
   *
   * @param tls whether it came over TLS
   * @param caller the caller's SPIFFE ID from its verified certificate, or {@code null}
   */
  Refusal check(boolean tls, String caller) {
    ServiceSnapshot snapshot = self.snapshot();
    if (caller == null && snapshot.mesh().tls() == TlsMode.STRICT) {
      return new Refusal(503, service + ": mesh TLS mode is strict but this request came "
          + (tls ? withoutCertificate : withoutTls), true);
    }
    AccessDecision decision = decide(snapshot, caller);
    return decision.allowed() ? null : new Refusal(403, service + ": " + decision.reason(), false);
  }

  /** Whether {@code caller} may call, by the access policy of {@code snapshot}. */
  private AccessDecision decide(ServiceSnapshot snapshot, String caller) {
    return access.check(snapshot.config().server(), snapshot.mesh().trustDomain(), caller);
  }


  @Override
  public void close() {
    self.close();
  }
}
