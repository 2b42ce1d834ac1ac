package io.meshwork.core.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The meters one mesh registered, so that closing the mesh removes them from the registry.
 *
 * <p>Why: a registry outlives the meshes that use it (Micrometer's global registry, a Spring
 * Boot application's, a test's). A gauge left behind keeps its name and tags taken, so a mesh
 * built later in the same JVM for the same services gets the old, dead gauge back from the
 * registry and reports nothing; counters and timers left behind report a closed mesh forever.
 *
 * <p>Meshes that share a registry and meter names (two meshes of one process calling the same
 * service) share those meters, as Micrometer does; closing one removes them for both, so one
 * mesh per process is the supported shape. Thread-safe; registration happens once per meter,
 * never per call.
 */
public final class OwnedMeters {
  private final MeterRegistry registry;
  private final Set<Meter> owned = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  public OwnedMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  /** The registry the meters go to. */
  public MeterRegistry registry() {
    return registry;
  }

  /** Registers a counter, owned by this mesh. */
  public Counter counter(Counter.Builder builder) {
    return own(builder.register(registry));
  }

  /** Registers a timer, owned by this mesh. */
  public Timer timer(Timer.Builder builder) {
    return own(builder.register(registry));
  }

  /** Registers a gauge, owned by this mesh. */
  public Gauge gauge(Gauge.Builder<?> builder) {
    return own(builder.register(registry));
  }

  private <M extends Meter> M own(M meter) {
    owned.add(meter);
    if (closed) {
      // Registered by a call that raced the close: remove it now rather than leave it behind.
      remove();
    }
    return meter;
  }

  /** How many meters are owned (for tests). */
  int size() {
    return owned.size();
  }

  /** Removes every owned meter from the registry; later registrations are removed at once. */
  public void close() {
    closed = true;
    remove();
  }

  private void remove() {
    for (Meter m : owned) {
      registry.remove(m);
      owned.remove(m);
    }
  }
}
