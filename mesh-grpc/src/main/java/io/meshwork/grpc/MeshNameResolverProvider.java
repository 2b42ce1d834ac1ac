package io.meshwork.grpc;

import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.ServiceConfig;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Collection;
import java.util.List;

/**
 * The {@code mesh} scheme: {@code mesh:///greeter} names the mesh service {@code greeter}.
 * Registered with gRPC's {@code NameResolverRegistry} through {@code META-INF/services}. The
 * {@link Mesh} whose registry is watched comes from the channel's name-resolver argument {@link
 * #MESH}, which {@link MeshGrpc#channelBuilder} sets.
 */
public final class MeshNameResolverProvider extends NameResolverProvider {
  /** The URI scheme. */
  public static final String SCHEME = "mesh";
  /** The mesh a channel resolves through. */
  public static final NameResolver.Args.Key<Mesh> MESH = NameResolver.Args.Key.create("meshwork-mesh");
  /**
   * Set on channels whose connections follow the registry's TLS mode: the resolver then
   * publishes the mode with each result, and the balancer replaces its connections when the mode
   * changes.
   */
  static final NameResolver.Args.Key<Boolean> TLS = NameResolver.Args.Key.create("meshwork-tls");
  /**
   * Overrides the registry's health-checking policy for one channel: {@link
   * MeshGrpc#NO_HEALTH_CHECK} turns client-side health checking off whatever the registry says;
   * any other value is the grpc.health.v1 service name checked on each connection in place of
   * the policy's {@code client.healthCheck.service} ({@code ""}: the server as a whole), while
   * the policy has checking enabled. Not set (the default): the registry's policy alone decides,
   * live. Set it with {@code MeshGrpc.channelBuilder(mesh, service).setNameResolverArg(...)}.
   */
  public static final NameResolver.Args.Key<String> HEALTH_CHECK_SERVICE =
      NameResolver.Args.Key.create("meshwork-health-check-service");

  @Override
  public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
    if (!SCHEME.equals(targetUri.getScheme())) return null;
    String path = targetUri.getPath();
    if (path == null || !path.startsWith("/")) {
      throw new IllegalArgumentException("target: '" + targetUri + "' (expected: mesh:///<service>)");
    }
    String service = ServiceConfig.checkName(path.substring(1));
    Mesh mesh = args.getArg(MESH);
    if (mesh == null) return new MeshNameResolver.Unbound(targetUri.toString());
    return new MeshNameResolver(mesh, service, args, args.getArg(HEALTH_CHECK_SERVICE));
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  /**
   * Below DNS's 5: {@code mesh:///} targets find this provider by their scheme whatever its
   * priority, while targets without a scheme ({@code forAddress(host, port)}, {@code
   * "host:port"}) keep DNS as the default. At an equal priority the first provider on the class
   * path became the default scheme, and a plain {@code "127.0.0.1:8080"} target failed as a
   * malformed service name.
   */
  @Override
  protected int priority() {
    return 4;
  }

  @Override
  public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
    return List.of(InetSocketAddress.class);
  }
}
