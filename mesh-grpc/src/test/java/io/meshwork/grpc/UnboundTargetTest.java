package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloRequest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The mesh scheme is registered with gRPC, says what is missing when used without a mesh, and
 * leaves targets without a scheme to DNS.
 */
class UnboundTargetTest {
  @Test
  void targetsWithoutASchemeStillResolveThroughDns() {
    assertThat(NameResolverRegistry.getDefaultRegistry().getDefaultScheme()).isEqualTo("dns");
    assertThat(NameResolverRegistry.getDefaultRegistry().getProviderForScheme("mesh"))
        .isInstanceOf(MeshNameResolverProvider.class);
  }

  @Test
  void aMeshTargetOnAChannelNotBuiltByMeshGrpcFailsSayingWhy() {
    ManagedChannel ch = ManagedChannelBuilder.forTarget("mesh:///greeter").usePlaintext().build();
    try {
      StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> GreeterGrpc.newBlockingStub(ch)
          .withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HelloRequest.getDefaultInstance()));
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(e.getStatus().getDescription()).contains("MeshGrpc.channel(mesh, service)");
    } finally {
      ch.shutdownNow();
    }
  }
}
