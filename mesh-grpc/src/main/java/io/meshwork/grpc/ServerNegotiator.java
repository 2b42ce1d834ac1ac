package io.meshwork.grpc;

import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil;
import io.meshwork.core.Mesh;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.PeerIdentityPolicy;

/**
 * The security of each new connection to a mesh server that has a {@link MeshTls}, chosen when
 * the connection is accepted from the registry's mode for the server's own service:
 *
 * <ul>
 *   <li>{@code strict}: mutual TLS 1.3; the client must present a certificate that chains to the
 *       trust bundle, of the registry's trust domain; a TLS client without one fails the
 *       handshake. A client that speaks plaintext (its first byte is not a TLS record) gets a
 *       plaintext HTTP/2 connection on which {@link MeshServerInterceptor} refuses every call,
 *       before any handler runs, with a status that says the service requires mutual TLS:
 *       closing the connection at once would leave the client with gRPC's "Network closed for
 *       unknown reason" and no clue;
 *   <li>{@code permissive}: plaintext and TLS on the same port. The first byte the client sends
 *       decides: {@code 0x16} (a TLS handshake record) → TLS with the client certificate
 *       optional (one that is presented must be valid); anything else → plaintext HTTP/2 (whose
 *       preface starts with {@code P});
 *   <li>{@code disabled}: plaintext.
 * </ul>
 *
 * A mode change reaches connections accepted after it; those already open are recycled by the
 * server's maximum connection age, and meanwhile {@link MeshServerInterceptor} refuses calls
 * that came without a client certificate (plaintext, or TLS opened in permissive mode) while the
 * mode is strict.
 *
 * <p>gRPC-Java has no public API for choosing a connection's security per connection, so this
 * goes through grpc-netty's {@code Internal*} accessors, as {@link ClientNegotiator} does, and
 * reuses gRPC's own TLS and plaintext negotiators: this class only chooses between them.
 *
 * <p>Thread-safe: {@link #newHandler} runs on Netty event loops.
 */
final class ServerNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
  /** The content type of a TLS handshake record, the first byte a TLS client sends. */
  static final int TLS_HANDSHAKE = 0x16;

  private final OwnService self;
  private final InternalProtocolNegotiator.ProtocolNegotiator strict;
  private final InternalProtocolNegotiator.ProtocolNegotiator permissive;
  private final InternalProtocolNegotiator.ProtocolNegotiator plaintext = InternalProtocolNegotiators.serverPlaintext();

  private ServerNegotiator(OwnService self, MeshTls tls) {
    this.self = self;
    PeerIdentityPolicy clients = NettyTls.anyClientOf(self);
    this.strict = InternalProtocolNegotiators.serverTls(NettyTls.server(tls, ClientAuth.REQUIRE, clients));
    this.permissive = InternalProtocolNegotiators.serverTls(NettyTls.server(tls, ClientAuth.OPTIONAL, clients));
  }

  /**
   * Server credentials whose connections are secured as the registry says for {@code mesh}'s
   * own service. They watch it in the registry until the server terminates (gRPC then closes
   * the negotiator).
   */
  static ServerCredentials credentials(Mesh mesh, MeshTls tls) {
    return InternalNettyServerCredentials.create(new ServerNegotiator(OwnService.open(mesh), tls));
  }

  @Override
  public AsciiString scheme() {
    return strict.scheme();
  }

  @Override
  public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
    return switch (self.snapshot().mesh().tls()) {
      case STRICT -> new Sniffer(grpcHandler, strict);
      case PERMISSIVE -> new Sniffer(grpcHandler, permissive);
      case DISABLED -> plaintext.newHandler(grpcHandler);
    };
  }

  @Override
  public void close() {
    strict.close();
    permissive.close();
    plaintext.close();
    self.close();
  }

  /**
   * Holds gRPC's negotiation event and the connection's first bytes until it can tell TLS from
   * plaintext, then puts the matching negotiator's handler after itself, replays both into it,
   * and leaves the pipeline.
   */
  private final class Sniffer extends ChannelInboundHandlerAdapter {
    private final GrpcHttp2ConnectionHandler grpcHandler;
    /** The negotiator for a client that starts TLS. */
    private final InternalProtocolNegotiator.ProtocolNegotiator tlsNegotiator;
    private ProtocolNegotiationEvent event;
    private ByteBuf first;
    private boolean decided;

    Sniffer(GrpcHttp2ConnectionHandler grpcHandler, InternalProtocolNegotiator.ProtocolNegotiator tlsNegotiator) {
      this.grpcHandler = grpcHandler;
      this.tlsNegotiator = tlsNegotiator;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (!decided && event == null && evt instanceof ProtocolNegotiationEvent pne) {
        event = pne;
        decideIfReady(ctx);
      } else {
        super.userEventTriggered(ctx, evt);
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
      if (decided) {
        super.channelRead(ctx, msg);
        return;
      }
      if (!(msg instanceof ByteBuf buf)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (first == null) {
        first = buf;
      } else {
        first = ctx.alloc().compositeBuffer().addComponents(true, first, buf);
      }
      decideIfReady(ctx);
    }

    private void decideIfReady(ChannelHandlerContext ctx) {
      if (decided || event == null || first == null || !first.isReadable()) return;
      decided = true;
      boolean tls = first.getUnsignedByte(first.readerIndex()) == TLS_HANDSHAKE;
      ChannelHandler next = (tls ? tlsNegotiator : plaintext).newHandler(grpcHandler);
      ctx.pipeline().addAfter(ctx.name(), null, next);
      ProtocolNegotiationEvent pne = event;
      ByteBuf bytes = first;
      event = null;
      first = null;
      ctx.fireUserEventTriggered(pne); // the negotiator sets itself up (TLS: its SslHandler goes after this)
      ctx.fireChannelRead(bytes);
      ctx.pipeline().remove(this);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      release();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      release();
      super.channelInactive(ctx);
    }

    private void release() {
      if (first != null) {
        first.release();
        first = null;
      }
    }
  }
}
