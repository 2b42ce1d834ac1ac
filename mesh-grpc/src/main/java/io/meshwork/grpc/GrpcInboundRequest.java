package io.meshwork.grpc;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import io.meshwork.core.inbound.InboundRequest;

/** A gRPC server call's metadata as the {@link io.meshwork.core.inbound.InboundGuard} sees it. */
final class GrpcInboundRequest implements InboundRequest {
  private final String fullMethodName;
  private final Metadata headers;
  private final ServerCall<?, ?> call;
  private final boolean tls;
  private final String peerIdentity;

  /**
   * @param tls whether the call's connection has a TLS session
   * @param peerIdentity the SPIFFE ID of the client certificate that session verified, or {@code null}
   */
  GrpcInboundRequest(String fullMethodName, Metadata headers, ServerCall<?, ?> call, boolean tls, String peerIdentity) {
    this.fullMethodName = fullMethodName;
    this.headers = headers;
    this.call = call;
    this.tls = tls;
    this.peerIdentity = peerIdentity;
  }

  @Override
  public boolean tls() {
    return tls;
  }

  @Override
  public String peerIdentity() {
    return peerIdentity;
  }

  @Override
  public String method() {
    return fullMethodName;
  }

  @Override
  public String header(String lowerCaseName) {
    return GrpcMeshRequest.get(headers, lowerCaseName);
  }

  @Override
  public List<String> headers(String lowerCaseName) {
    if (lowerCaseName.endsWith(Metadata.BINARY_HEADER_SUFFIX)) return List.of();
    Iterable<String> all = headers.getAll(GrpcMeshRequest.key(lowerCaseName));
    if (all == null) return List.of();
    List<String> out = new ArrayList<>(2);
    all.forEach(out::add);
    return out;
  }

  @Override
  public InetSocketAddress remoteAddress() {
    SocketAddress a = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    return a instanceof InetSocketAddress isa ? isa : null;
  }

  @Override
  public Iterable<String> headerNames() {
    return headers.keys();
  }
}
