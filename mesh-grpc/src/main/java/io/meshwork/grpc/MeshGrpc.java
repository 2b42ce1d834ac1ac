package io.meshwork.grpc;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.ServiceConfig;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Objects;

/**
 * gRPC-Java on the mesh: channels whose calls are named, balanced, retried and deadline-bound
 * by the mesh, and servers that accept mesh calls. Generated stubs work unchanged.
 *
 * <pre>{@code
 * ManagedChannel channel = MeshGrpc.channel(mesh, "greeter");
 * GreeterGrpc.GreeterBlockingStub greeter = GreeterGrpc.newBlockingStub(channel);
 *
 * MeshServer server = MeshGrpc.server(mesh, 8081).addService(new GreeterImpl()).start();
 * }</pre>
 *
 * <p>What a channel is made of, which users do not assemble themselves: the {@code mesh:///}
 * name resolver (the registry's endpoints, live), the {@value MeshLoadBalancerProvider#POLICY}
 * balancer (one connection per endpoint; the engine picks), client-side health checking, and
 * the mesh interceptor innermost (deadline, admission, trace context, retries). gRPC's own
 * retries are off: the mesh retries, under its budget.
 */
public final class MeshGrpc {
  /**
   * Marks a call idempotent, so the mesh may retry it after it may have reached a server
   * (methods whose proto says {@code idempotency_level = IDEMPOTENT} are already):
   * {@code stub.withOption(MeshGrpc.IDEMPOTENT, true)}.
   */
  public static final CallOptions.Key<Boolean> IDEMPOTENT =
      CallOptions.Key.createWithDefault("meshwork-idempotent", false);

  /** The value of {@link MeshNameResolverProvider#HEALTH_CHECK_SERVICE} that turns health checks off. */
  public static final String NO_HEALTH_CHECK = "-";

  private MeshGrpc() {}

  /** A plaintext channel to {@code service} through {@code mesh}. */
  public static ManagedChannel channel(Mesh mesh, String service) {
    return channelBuilder(mesh, service).build();
  }

  /**
   * A Netty channel builder for {@code mesh:///service}, already configured for the mesh
   * (plaintext until mesh-tls). Interceptors added to it run before the mesh's, once per call;
   * the mesh's runs once per try.
   *
   * @throws IllegalArgumentException when {@code service} is not a valid service name
   */
  public static NettyChannelBuilder channelBuilder(Mesh mesh, String service) {
    Objects.requireNonNull(mesh, "mesh");
    ServiceConfig.checkName(service);
    return NettyChannelBuilder.forTarget(MeshNameResolverProvider.SCHEME + ":///" + service)
        .setNameResolverArg(MeshNameResolverProvider.MESH, mesh)
        .defaultLoadBalancingPolicy(MeshLoadBalancerProvider.POLICY)
        .disableRetry()
        .usePlaintext()
        .intercept(new MeshClientInterceptor(mesh, service));
  }

  /** A mesh server on {@code port} of every interface. */
  public static MeshServer.Builder server(Mesh mesh, int port) {
    return new MeshServer.Builder(mesh, new InetSocketAddress(port));
  }

  /** A mesh server on {@code address}, e.g. {@code new InetSocketAddress("127.0.0.1", 0)}. */
  public static MeshServer.Builder server(Mesh mesh, SocketAddress address) {
    return new MeshServer.Builder(mesh, address);
  }

  /**
   * For a server built elsewhere: installs the mesh's server interceptor (call this after adding
   * the application's own interceptors, so the mesh's runs first) and the health service, and
   * returns the health state for the application to set (nothing is SERVING until it does).
   */
  public static HealthStatusManager configure(Mesh mesh, ServerBuilder<?> builder) {
    Objects.requireNonNull(mesh, "mesh");
    HealthStatusManager health = new HealthStatusManager();
    builder.addService(health.getHealthService());
    builder.intercept(new MeshServerInterceptor(mesh));
    return health;
  }
}
