package io.meshwork.http;

import io.meshwork.tls.MeshTls;
import io.meshwork.tls.PeerIdentityPolicy;
import io.meshwork.tls.SpiffeId;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * The security of each connection to a {@link MeshHttpServer} that has a {@link MeshTls},
 * chosen when the JDK's {@code HttpsServer} accepts the connection (it asks this context for an
 * engine then) from the registry's mode for the server's own service:
 *
 * <ul>
 *   <li>{@code strict}: mutual TLS 1.3; the client must present a certificate that chains to the
 *       trust bundle, of the registry's trust domain; anything else fails the handshake;
 *   <li>{@code permissive}: plaintext and TLS on the same port. The first byte the client sends
 *       decides ({@link SniffingEngine}): {@code 0x16}, a TLS handshake record → TLS with the
 *       client certificate optional (one that is presented must be valid); anything else →
 *       plaintext HTTP;
 *   <li>{@code disabled}: plaintext ({@link PlaintextEngine}).
 * </ul>
 *
 * The rules are mesh-grpc's. The JDK's {@code HttpsServer} speaks only TLS and {@code HttpServer}
 * only plaintext, and neither lets anyone else accept its connections; so the mesh server is
 * always an {@code HttpsServer}, and a plaintext connection goes through an engine that copies
 * bytes unchanged. A mode change reaches connections accepted after it; those already open are
 * recycled by the server's maximum connection age, and meanwhile the server refuses requests
 * that came without a client certificate (plaintext, or TLS opened in permissive mode) while the
 * mode is strict.
 *
 * <p>The certificate presented is the identity's current one at each handshake (the rotating key
 * manager), and sessions are never resumed (mesh-tls's contexts), so rotation needs no restart.
 *
 * <p>Thread-safe: the JDK server creates engines on its dispatcher or handler threads.
 */
final class ServerTls {
  private ServerTls() {}

  /** A context whose engines secure each connection as the registry says for {@code self}. */
  static SSLContext context(MeshTls tls, OwnService self) {
    PeerIdentityPolicy clients = anyClientOf(self);
    SSLContext strict = tls.serverContext(MeshTls.ClientAuth.REQUIRED, clients);
    SSLContext permissive = tls.serverContext(MeshTls.ClientAuth.OPTIONAL, clients);
    return new SSLContext(new Spi(self, strict, permissive), strict.getProvider(), MeshTls.PROTOCOL) {};
  }

  /** Whether {@code session}, from an {@code HttpsExchange} of a mesh server, is a TLS session. */
  static boolean isTls(SSLSession session) {
    return session != null && session != PlaintextEngine.SESSION;
  }

  /**
   * Accepts any client identity of the registry's trust domain (read at each handshake), as
   * {@link MeshTls#serverContext()} does; the access policy then decides who may call, and can
   * answer with a reason.
   */
  static PeerIdentityPolicy anyClientOf(OwnService self) {
    return new PeerIdentityPolicy() {
      @Override
      public boolean accepts(SpiffeId peer, SSLSession handshake) {
        return peer.isMemberOf(self.snapshot().mesh().trustDomain());
      }

      @Override
      public String expectation() {
        return "any identity in trust domain " + self.snapshot().mesh().trustDomain();
      }

      @Override
      public String toString() {
        return expectation();
      }
    };
  }

  private static final class Spi extends SSLContextSpi {
    private final OwnService self;
    private final SSLContext strict;
    private final SSLContext permissive;

    Spi(OwnService self, SSLContext strict, SSLContext permissive) {
      this.self = self;
      this.strict = strict;
      this.permissive = permissive;
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) throws KeyManagementException {
      throw new KeyManagementException("a mesh server's SSLContext is initialized by the mesh and cannot be initialized again");
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      return engineCreateSSLEngine(null, -1);
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      return switch (self.snapshot().mesh().tls()) {
        case STRICT -> strict.createSSLEngine(host, port);
        case PERMISSIVE -> new SniffingEngine(permissive.createSSLEngine(host, port), host, port);
        case DISABLED -> new PlaintextEngine(host, port);
      };
    }

    /**
     * What the JDK server's default configurator applies to every engine: the strict context's
     * own defaults, so a strict engine stays exactly as mesh-tls made it (the other engines ignore
     * settings).
     */
    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
      return strict.getDefaultSSLParameters();
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
      return strict.getSupportedSSLParameters();
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      throw new UnsupportedOperationException("a mesh server's SSLContext makes server engines only");
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      throw new UnsupportedOperationException("a mesh server's SSLContext makes server engines only");
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      return strict.getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      return strict.getClientSessionContext();
    }
  }
}
