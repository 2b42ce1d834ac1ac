package io.meshwork.core.registry;

/** Receives the snapshots of a watched service. */
@FunctionalInterface
public interface ServiceListener {
  /** Called with the current snapshot, then with each new one. Must not block. */
  void onUpdate(ServiceSnapshot snapshot);
}
