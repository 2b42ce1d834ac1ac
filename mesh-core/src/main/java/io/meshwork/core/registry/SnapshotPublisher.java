package io.meshwork.core.registry;

import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.ServiceConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * The part every registry backend shares: per watched service, the current snapshot and its
 * watches; fan-out of new snapshots to them.
 *
 * <p>The owner keeps its own state (document, registrations) and describes a service through
 * the {@code resolver} given at construction. It changes that state only inside {@link
 * #change}, which then recomputes the snapshot of every watched service and delivers those
 * that actually differ (in known, mesh or config) to their watches. One registry-wide
 * version counter grows by one per change that alters at least one watched service; every
 * snapshot that change produces carries the new version.
 *
 * <p>Threading: one lock serializes changes, watches and deliveries, so listeners are called
 * one at a time, on the thread that made the change, while it holds the lock. The lock is
 * reentrant: a listener may change the registry; the nested change delivers the newer
 * snapshots and the outer one then skips what has been superseded. A listener that throws is
 * logged and does not stop delivery to the others. This is not the hot path: the engine only
 * reads the snapshots it was given.
 *
 * <p>Public so that registry backends in other modules ({@code mesh-zookeeper}) publish
 * exactly as {@link FileRegistry} and {@link InMemoryRegistry} do: same versions, same
 * skipping of unchanged snapshots, same fan-out. Applications do not need it.
 */
public final class SnapshotPublisher {

  /**
   * What a backend says of one service, before versioning.
   *
   * @param known whether a document or a registration names the service
   * @param mesh mesh-wide settings in force
   * @param config the service with its registered endpoints merged in
   */
  public record View(boolean known, MeshSettings mesh, ServiceConfig config) {
    public View {
      Objects.requireNonNull(mesh, "mesh");
      Objects.requireNonNull(config, "config");
    }
  }

  private final ReentrantLock lock = new ReentrantLock();
  private final Function<String, View> resolver;
  private final Logger log;
  private final Map<String, Topic> topics = new HashMap<>(); // guarded by lock
  private long version; // guarded by lock
  private java.time.Instant lastChange; // guarded by lock
  private boolean closed; // guarded by lock

  /**
   * @param resolver reads the owner's current state for one service; called with the lock
   *     held
   * @param log where listener failures are reported
   */
  public SnapshotPublisher(Function<String, View> resolver, Logger log) {
    this.resolver = Objects.requireNonNull(resolver, "resolver");
    this.log = Objects.requireNonNull(log, "log");
  }

  /**
   * Runs {@code mutation} under the lock, then delivers every watched service whose snapshot
   * changed. After {@link #close} the mutation still runs but nobody is notified.
   */
  public void change(Runnable mutation) {
    lock.lock();
    try {
      mutation.run();
      if (!closed) refresh();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Runs {@code action} under the lock, without recomputing snapshots.
   *
   * @param <T> what the action returns
   * @param action reads or changes the owner's state
   * @return what {@code action} returned
   */
  public <T> T locked(java.util.function.Supplier<T> action) {
    lock.lock();
    try {
      return action.get();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Watches a service: delivers its current snapshot to {@code listener} before returning.
   *
   * @throws IllegalStateException after {@link #close}
   */
  public Watch watch(String service, ServiceListener listener) {
    ServiceConfig.checkName(service);
    Objects.requireNonNull(listener, "listener");
    lock.lock();
    try {
      if (closed) throw new IllegalStateException("registry closed: cannot watch '" + service + "'");
      Topic topic = topics.get(service);
      if (topic == null) {
        topic = new Topic(service, snapshot(resolver.apply(service), version));
        topics.put(service, topic);
      }
      SubscribedWatch w = new SubscribedWatch(topic, listener);
      topic.watches.add(w);
      w.deliver(topic.current);
      return w;
    } finally {
      lock.unlock();
    }
  }

  /** The registry-wide version in force: it grows by one per change that alters a watched service. */
  public long version() {
    lock.lock();
    try {
      return version;
    } finally {
      lock.unlock();
    }
  }

  /** When the version last grew; empty if never. */
  public java.util.Optional<java.time.Instant> lastChange() {
    lock.lock();
    try {
      return java.util.Optional.ofNullable(lastChange);
    } finally {
      lock.unlock();
    }
  }

  /** Whether {@link #close} ran. */
  public boolean isClosed() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  /** Drops every watch; nothing is delivered afterwards. Idempotent. */
  public void close() {
    lock.lock();
    try {
      closed = true;
      for (Topic t : topics.values()) {
        for (SubscribedWatch w : t.watches) w.closed = true;
      }
      topics.clear();
    } finally {
      lock.unlock();
    }
  }

  // Called with the lock held.
  private void refresh() {
    List<Topic> changed = new ArrayList<>();
    Map<Topic, View> views = new HashMap<>();
    for (Topic t : topics.values()) {
      View v = resolver.apply(t.service);
      if (!sameView(v, t.current)) {
        changed.add(t);
        views.put(t, v);
      }
    }
    if (changed.isEmpty()) return;
    long next = ++version;
    lastChange = java.time.Instant.now();
    for (Topic t : changed) t.current = snapshot(views.get(t), next);
    for (Topic t : changed) {
      for (SubscribedWatch w : t.watches) {
        // Re-read t.current: a listener may have made a newer change meanwhile.
        w.deliver(t.current);
      }
    }
  }

  private static boolean sameView(View v, ServiceSnapshot s) {
    return v.known() == s.known() && v.mesh().equals(s.mesh()) && v.config().equals(s.config());
  }

  private static ServiceSnapshot snapshot(View v, long version) {
    return new ServiceSnapshot(v.known(), v.mesh(), v.config(), version);
  }

  /** One watched service. Guarded by the lock except {@code watches}, which is copy-on-write. */
  private static final class Topic {
    final String service;
    final List<SubscribedWatch> watches = new CopyOnWriteArrayList<>();
    ServiceSnapshot current;

    Topic(String service, ServiceSnapshot current) {
      this.service = service;
      this.current = current;
    }
  }

  private final class SubscribedWatch implements Watch {
    private final Topic topic;
    private final ServiceListener listener;
    private volatile ServiceSnapshot delivered;
    private volatile boolean closed;

    SubscribedWatch(Topic topic, ServiceListener listener) {
      this.topic = topic;
      this.listener = listener;
    }

    // Called with the lock held.
    void deliver(ServiceSnapshot s) {
      ServiceSnapshot last = delivered;
      if (closed || (last != null && last.version() >= s.version())) return;
      delivered = s;
      try {
        listener.onUpdate(s);
      } catch (RuntimeException e) {
        log.warn("Listener of service '{}' failed on snapshot version {}", topic.service, s.version(), e);
      }
    }

    @Override
    public ServiceSnapshot current() {
      return delivered;
    }

    @Override
    public void close() {
      lock.lock();
      try {
        if (closed) return;
        closed = true;
        topic.watches.remove(this);
        if (topic.watches.isEmpty() && topics.get(topic.service) == topic) {
          topics.remove(topic.service);
        }
      } finally {
        lock.unlock();
      }
    }

    @Override
    public String toString() {
      return "Watch[" + topic.service + ", version " + (delivered == null ? "-" : delivered.version()) + "]";
    }
  }
}
