package io.meshwork.http;

import io.meshwork.core.Mesh;
import io.meshwork.core.registry.ServiceSnapshot;
import io.meshwork.core.registry.Watch;

/**
 * The registry's live view of the mesh's own service, for its servers: TLS mode, trust domain
 * and access policy. A plain registry watch, not {@code mesh.destination(own name)}, which would
 * register client meters for calls the service never makes to itself (as in mesh-grpc).
 *
 * <p>Thread-safe; {@link #snapshot()} is a volatile read.
 */
final class OwnService implements AutoCloseable {
  private final Watch watch;

  private OwnService(Mesh mesh) {
    this.watch = mesh.registry().watch(mesh.serviceName(), snapshot -> {}); // the first snapshot arrives before this returns
  }

  /** Starts watching {@code mesh}'s own service; {@link #close()} stops. */
  static OwnService open(Mesh mesh) {
    return new OwnService(mesh);
  }

  /** The latest snapshot (still answered after {@link #close()}). */
  ServiceSnapshot snapshot() {
    return watch.current();
  }

  @Override
  public void close() {
    watch.close();
  }
}
