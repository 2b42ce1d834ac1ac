package io.meshwork.http;

import com.sun.net.httpserver.HttpExchange;
import io.meshwork.core.Mesh;
import io.meshwork.core.inbound.InboundCall;
import io.meshwork.core.inbound.InboundGuard;
import io.meshwork.core.inbound.Refusal;
import io.meshwork.core.inbound.RefusalKind;
import java.io.IOException;
import java.util.Objects;

/**
 * How a mesh HTTP server answers the {@link InboundGuard}'s refusals. The guard (mesh-core)
 * decides, for mesh-http and mesh-grpc alike, whether a request may reach its handler; this only
 * maps its {@link RefusalKind} to an HTTP status, with the refusal's message as the body:
 *
 * <table>
 *   <caption>Refusal kinds and HTTP statuses</caption>
 *   <tr><th>kind</th><th>status</th><th>why</th></tr>
 *   <tr><td>{@code IDENTITY_REQUIRED}</td><td>503, and {@code Connection: close} (JDK server)</td>
 *       <td>the connection can carry no allowed request while the mode stays strict; a client with
 *       a workload identity that reconnects gets mutual TLS. As mesh clients without an identity
 *       fail ({@link IdentityRequiredException}), and gRPC's UNAVAILABLE</td></tr>
 *   <tr><td>{@code ACCESS_DENIED}</td><td>403</td><td>gRPC's PERMISSION_DENIED</td></tr>
 *   <tr><td>{@code DEADLINE_PASSED}</td><td>504</td><td>gRPC's DEADLINE_EXCEEDED</td></tr>
 * </table>
 *
 * <p>For {@link MeshHttpServer} it also holds the registry's view of the server's own service
 * (the TLS mode of new connections, {@link ServerTls}) and the guard, and closes both.
 */
final class InboundSecurity implements AutoCloseable {
  private final OwnService self;
  private final InboundGuard guard;

  /** Starts watching {@code mesh}'s own service; {@link #close()} stops it and closes {@code guard}. */
  InboundSecurity(Mesh mesh, InboundGuard guard) {
    this.guard = Objects.requireNonNull(guard, "guard");
    this.self = OwnService.open(mesh);
  }

  /** The registry's view of the service this server serves. */
  OwnService ownService() {
    return self;
  }

  /** The HTTP status a request refused for {@code kind} is answered with. */
  static int status(RefusalKind kind) {
    return switch (kind) {
      case IDENTITY_REQUIRED -> 503;
      case ACCESS_DENIED -> 403;
      case DEADLINE_PASSED -> 504;
    };
  }

  /**
   * Answers {@code exchange} with the guard's refusal of {@code in}, if any, and records its
   * status; returns whether it did (and the handler must not run).
   */
  boolean refused(HttpExchange exchange, InboundCall in) throws IOException {
    Refusal refusal = in.refusal();
    if (refusal == null) return false;
    int status = status(refusal.kind());
    if (refusal.kind() == RefusalKind.IDENTITY_REQUIRED) {
      // The connection can carry no allowed request while the mode stays strict.
      exchange.getResponseHeaders().set("Connection", "close");
    }
    in.status(status);
    MeshHttpServer.respond(exchange, status, refusal.message());
    return true;
  }

  @Override
  public void close() {
    try {
      guard.close();
    } finally {
      self.close();
    }
  }
}
