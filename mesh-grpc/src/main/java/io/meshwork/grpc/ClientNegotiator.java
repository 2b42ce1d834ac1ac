package io.meshwork.grpc;

import io.grpc.ChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import io.meshwork.core.Destination;
import io.meshwork.core.model.TlsMode;
import io.meshwork.tls.MeshTls;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The security of each new connection of a mesh channel that has a {@link MeshTls}, chosen when
 * the connection is made from the registry's mode for the destination: {@code disabled} →
 * plaintext; {@code permissive} or {@code strict} → mutual TLS 1.3, presenting this workload's
 * current certificate and accepting only the server identity the registry expects ({@link
 * NettyTls#expectedServer}). A mode change reaches the next connection; the balancer replaces
 * the channel's connections when it sees one (see {@link MeshLoadBalancer}).
 *
 * <p>TLS is negotiated without SNI and without a host name: the identity check replaces host-name
 * verification, and an engine without a peer host has no session-cache key, so nothing is resumed
 * (see {@link NettyTls}).
 *
 * <p>gRPC's public channel API fixes one security for a whole channel, so this is plugged in
 * through grpc-netty's {@code Internal*} accessors (the ones gRPC's xDS module uses for the same
 * purpose). They are kept to this class and {@link ServerNegotiator}; the TLS tests exercise
 * every path through them.
 *
 * <p>Thread-safe: {@link #newHandler} runs on Netty event loops.
 */
final class ClientNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
  private final Destination destination;
  private final InternalProtocolNegotiator.ProtocolNegotiator tls;
  private final InternalProtocolNegotiator.ProtocolNegotiator plaintext = InternalProtocolNegotiators.plaintext();

  private ClientNegotiator(Destination destination, SslContext context, X509ExtendedTrustManager servers) {
    this.destination = destination;
    // sni "": no server name and no peer host on the engine (see the class comment).
    this.tls = InternalProtocolNegotiators.tls(context, "", servers);
  }

  /** Channel credentials whose connections are secured as the registry says for {@code destination}. */
  static ChannelCredentials credentials(Destination destination, MeshTls meshTls) {
    X509ExtendedTrustManager servers = meshTls.trustManager(NettyTls.expectedServer(destination));
    SslContext context = NettyTls.client(meshTls, servers);
    return InternalNettyChannelCredentials.create(new InternalProtocolNegotiator.ClientFactory() {
      @Override
      public InternalProtocolNegotiator.ProtocolNegotiator newNegotiator() {
        return new ClientNegotiator(destination, context, servers);
      }

      @Override
      public int getDefaultPort() {
        return 443; // unused: mesh targets carry their endpoints' ports
      }
    });
  }

  private InternalProtocolNegotiator.ProtocolNegotiator current() {
    return destination.snapshot().mesh().tls() == TlsMode.DISABLED ? plaintext : tls;
  }

  @Override
  public AsciiString scheme() {
    return current().scheme();
  }

  @Override
  public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
    return current().newHandler(grpcHandler);
  }

  @Override
  public void close() {
    tls.close();
    plaintext.close();
  }
}
