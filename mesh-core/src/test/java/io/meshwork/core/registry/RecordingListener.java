package io.meshwork.core.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records every snapshot it receives, and the thread it received it on. */
final class RecordingListener implements ServiceListener {
  private final List<ServiceSnapshot> snapshots = new CopyOnWriteArrayList<>();
  private final List<String> threads = new CopyOnWriteArrayList<>();

  @Override
  public void onUpdate(ServiceSnapshot snapshot) {
    snapshots.add(snapshot);
    threads.add(Thread.currentThread().getName());
  }

  List<ServiceSnapshot> snapshots() {
    return new ArrayList<>(snapshots);
  }

  List<String> threads() {
    return new ArrayList<>(threads);
  }

  int count() {
    return snapshots.size();
  }

  ServiceSnapshot latest() {
    List<ServiceSnapshot> s = snapshots();
    if (s.isEmpty()) throw new AssertionError("no snapshot received");
    return s.get(s.size() - 1);
  }

  /** Addresses of the latest snapshot's endpoints, as written in documents. */
  List<String> latestAddresses() {
    return latest().config().endpoints().stream().map(e -> e.address().toString()).toList();
  }
}
