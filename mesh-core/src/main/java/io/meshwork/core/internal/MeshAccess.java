package io.meshwork.core.internal;

import io.meshwork.core.Mesh;
import java.util.Objects;
import java.util.function.Function;

/**
 * What parts of mesh-core outside {@link Mesh}'s package (the inbound guard) need of a mesh's
 * internals, without making them public API: {@link Mesh} installs the accessor once, when its
 * class is initialized, as OkHttp's {@code Internal} does.
 */
public final class MeshAccess {
  private static volatile Function<Mesh, EngineRuntime> runtime;

  private MeshAccess() {}

  /** Called once by {@link Mesh}; a second call is refused. */
  public static synchronized void install(Function<Mesh, EngineRuntime> accessor) {
    if (runtime != null) throw new IllegalStateException("MeshAccess is installed already");
    runtime = Objects.requireNonNull(accessor, "accessor");
  }

  /** The meters {@code mesh} owns: whatever is registered through them is removed when it closes. */
  public static OwnedMeters meters(Mesh mesh) {
    Function<Mesh, EngineRuntime> r = runtime;
    if (r == null) throw new IllegalStateException("Mesh is not initialized"); // cannot happen: a Mesh exists
    return r.apply(mesh).meters();
  }

  /** Where {@code mesh}'s inbound guards record their callers. */
  public static InboundCallers inboundCallers(Mesh mesh) {
    Function<Mesh, EngineRuntime> r = runtime;
    if (r == null) throw new IllegalStateException("Mesh is not initialized");
    return r.apply(mesh).inboundCallers();
  }
}
