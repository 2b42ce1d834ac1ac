package io.meshwork.grpc;

import io.grpc.Metadata;
import io.meshwork.core.inbound.InboundRequest;

/** A gRPC server call's metadata as the {@link io.meshwork.core.inbound.InboundGuard} sees it. */
final class GrpcInboundRequest implements InboundRequest {
  private final String fullMethodName;
  private final Metadata headers;

  GrpcInboundRequest(String fullMethodName, Metadata headers) {
    this.fullMethodName = fullMethodName;
    this.headers = headers;
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
  public Iterable<String> headerNames() {
    return headers.keys();
  }
}
