package io.meshwork.grpc;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.DelegatingSslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSslSessionContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.netty.shaded.io.netty.internal.tcnative.SSL;
import io.meshwork.core.Destination;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.PeerIdentityPolicy;
import io.meshwork.tls.SpiffeId;
import java.time.Duration;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Netty {@link SslContext}s over a {@link MeshTls}: TLS 1.3 only, HTTP/2 by ALPN, the mesh's
 * rotating key manager (it presents the identity's current certificate at every handshake, so
 * no context is ever rebuilt) and its SPIFFE trust manager (chain against the current trust
 * bundle, then the peer's identity; never a host name).
 *
 * <p>Provider: BoringSSL (grpc-netty-shaded's netty-tcnative) when it loads, as gRPC's own
 * default, else the JDK's.
 *
 * <p><b>No session resumption.</b> A resumed TLS 1.3 session carries the peer certificate of
 * the handshake that created it: the client would keep seeing the server's old certificate
 * after rotation, and the server would keep an identity verified earlier, possibly past its
 * certificate's expiry. So every mesh connection makes a full handshake (connections are
 * long-lived, so this costs little):
 *
 * <ul>
 *   <li>BoringSSL server: Netty clears {@code SSL_OP_NO_TICKET} on every TLS 1.3 engine (unless
 *       the JVM-wide {@code jdk.tls.server.enableSessionTicketExtension=false}); each engine
 *       gets it back here, so the server issues no tickets and accepts none;
 *   <li>BoringSSL client: its session cache is off, and mesh channels create engines without a
 *       peer host ({@link ClientNegotiator}), which leaves nothing to key a cached session by;
 *   <li>JDK, either side: a session lifetime beyond TLS 1.3's 7-day ticket limit, with which the
 *       JDK neither sends nor keeps tickets (as mesh-tls's own contexts do).
 * </ul>
 *
 * {@code SessionResumptionIntegrationTest} fails if resumption comes back on either side: it
 * renews the certificate between two connections of a peer that would resume.
 */
final class NettyTls {
  /** More than TLS 1.3's longest ticket lifetime (RFC 8446, 4.6.1): the JDK then resumes nothing. */
  static final long NO_RESUMPTION_SECONDS = Duration.ofDays(8).toSeconds();

  private NettyTls() {}

  /** The provider mesh contexts use: BoringSSL when available, else the JDK. */
  static SslProvider provider() {
    return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
  }

  /** A client context presenting {@code tls}'s identity and accepting servers {@code servers} accepts. */
  static SslContext client(MeshTls tls, X509ExtendedTrustManager servers) {
    SslProvider provider = provider();
    SslContextBuilder b = GrpcSslContexts.configure(SslContextBuilder.forClient(), provider)
        .keyManager(tls.keyManager())
        .trustManager(servers)
        .protocols(MeshTls.PROTOCOLS);
    if (provider == SslProvider.JDK) b.sessionTimeout(NO_RESUMPTION_SECONDS);
    SslContext ctx = build(b);
    if (ctx.sessionContext() instanceof OpenSslSessionContext openSsl) openSsl.setSessionCacheEnabled(false);
    return ctx;
  }

  /** A server context presenting {@code tls}'s identity, asking for client certificates as {@code auth} says. */
  static SslContext server(MeshTls tls, ClientAuth auth, PeerIdentityPolicy clients) {
    SslProvider provider = provider();
    SslContextBuilder b = GrpcSslContexts.configure(SslContextBuilder.forServer(tls.keyManager()), provider)
        .trustManager(tls.trustManager(clients))
        .clientAuth(auth)
        .protocols(MeshTls.PROTOCOLS);
    if (provider == SslProvider.JDK) b.sessionTimeout(NO_RESUMPTION_SECONDS);
    SslContext ctx = build(b);
    return provider == SslProvider.OPENSSL ? new NoTickets(ctx) : ctx;
  }

  /**
   * Accepts a server whose identity is the one the registry expects for {@code destination}:
   * {@code spiffe://<the registry's trust domain>/service/<name>}, read at each handshake, so a
   * change of trust domain reaches the next connection.
   */
  static PeerIdentityPolicy expectedServer(Destination destination) {
    return new PeerIdentityPolicy() {
      private volatile SpiffeId cached;

      @Override
      public boolean accepts(SpiffeId peer, SSLSession handshake) {
        return peer.equals(expected());
      }

      @Override
      public String expectation() {
        return expected().toString();
      }

      private SpiffeId expected() {
        String trustDomain = destination.snapshot().mesh().trustDomain();
        SpiffeId id = cached;
        if (id == null || !id.isMemberOf(trustDomain)) {
          id = SpiffeId.forService(trustDomain, destination.service());
          cached = id;
        }
        return id;
      }

      @Override
      public String toString() {
        return expectation();
      }
    };
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

  private static SslContext build(SslContextBuilder b) {
    try {
      return b.build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot build a TLS 1.3 context for the mesh (" + e.getMessage() + ")", e);
    }
  }

  /** A BoringSSL server context whose engines issue and accept no session tickets. */
  private static final class NoTickets extends DelegatingSslContext {
    NoTickets(SslContext delegate) {
      super(delegate);
    }

    @Override
    protected void initEngine(SSLEngine engine) {
      if (engine instanceof ReferenceCountedOpenSslEngine openSsl) {
        SSL.setOptions(openSsl.sslPointer(), SSL.SSL_OP_NO_TICKET);
      }
    }
  }
}
