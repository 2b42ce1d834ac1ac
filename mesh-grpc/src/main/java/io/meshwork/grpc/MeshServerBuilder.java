package io.meshwork.grpc;

import io.grpc.ForwardingServerBuilder;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.meshwork.core.Mesh;
import java.util.Objects;

/**
 * A plain gRPC {@link ServerBuilder} with the mesh's server side already wired, for code that
 * builds its servers itself (frameworks, shared server factories): the inbound guard (deadline,
 * trace context, caller identity, access policy, {@code mesh.server.requests}) and the {@code
 * grpc.health.v1} service, whose state {@link #health()} sets. From {@link
 * MeshGrpc#serverBuilder(Mesh, int)} and its overloads.
 *
 * <p><b>The mesh runs first</b>, whatever the application adds. gRPC runs a builder's
 * interceptors in the reverse of the order they were added, so the mesh's interceptor is added
 * in {@link #build()}, after everything the application added with {@link #intercept}; an
 * interceptor on a service ({@code ServerInterceptors.intercept(service, ...)}) runs inside every
 * builder interceptor anyway. Application interceptors therefore see the call's mesh context
 * (deadline, trace, caller) as handlers do, and a call the mesh refuses never reaches them.
 *
 * <p>Builds one server: a second {@link #build()} throws.
 */
public final class MeshServerBuilder extends ForwardingServerBuilder<MeshServerBuilder> {
  private final ServerBuilder<?> delegate;
  private final Mesh mesh;
  private final HealthStatusManager health = new HealthStatusManager();
  private boolean built;

  MeshServerBuilder(Mesh mesh, ServerBuilder<?> delegate) {
    this.mesh = Objects.requireNonNull(mesh, "mesh");
    this.delegate = Objects.requireNonNull(delegate, "builder");
    delegate.addService(health.getHealthService());
  }

  @Override
  protected ServerBuilder<?> delegate() {
    return delegate;
  }

  /** The health service's state, for the application to report the server's and each service's health. */
  public HealthStatusManager health() {
    return health;
  }

  /**
   * Adds the mesh's server interceptor, last so that it runs first, and builds the server.
   *
   * @throws IllegalStateException when called a second time
   */
  @Override
  public synchronized Server build() {
    if (built) throw new IllegalStateException("build() called twice: a MeshServerBuilder builds one server");
    built = true;
    delegate.intercept(new MeshServerInterceptor(mesh));
    return delegate.build();
  }
}
