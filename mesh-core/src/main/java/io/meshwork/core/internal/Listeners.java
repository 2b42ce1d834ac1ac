package io.meshwork.core.internal;

import io.meshwork.core.CircuitState;
import io.meshwork.core.MeshEventListener;
import io.meshwork.core.MeshException;
import io.meshwork.core.Outcome;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.registry.ServiceSnapshot;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans decisions out to several listeners; a listener that throws is logged and skipped, never
 * allowed to break a call. Listeners can be added and removed while calls run (copy on write:
 * the call path reads one volatile array, never a lock).
 */
public final class Listeners implements MeshEventListener {
  private static final Logger log = LoggerFactory.getLogger(Listeners.class);
  private static final MeshEventListener[] NONE = new MeshEventListener[0];
  private volatile MeshEventListener[] all;

  public Listeners(List<MeshEventListener> listeners) {
    this.all = listeners.toArray(NONE);
  }

  /** Whether no listener is installed: the call path then skips per-call events. */
  public boolean isEmpty() {
    return all.length == 0;
  }

  public synchronized void add(MeshEventListener listener) {
    MeshEventListener[] now = all;
    MeshEventListener[] next = java.util.Arrays.copyOf(now, now.length + 1);
    next[now.length] = listener;
    all = next;
  }

  /** Removes the first occurrence of {@code listener} (by identity); no effect when absent. */
  public synchronized void remove(MeshEventListener listener) {
    MeshEventListener[] now = all;
    for (int i = 0; i < now.length; i++) {
      if (now[i] == listener) {
        MeshEventListener[] next = new MeshEventListener[now.length - 1];
        System.arraycopy(now, 0, next, 0, i);
        System.arraycopy(now, i + 1, next, i, now.length - i - 1);
        all = next;
        return;
      }
    }
  }

  private void failed(MeshEventListener l, RuntimeException e) {
    log.warn("Mesh event listener {} threw; ignored", l.getClass().getName(), e);
  }

  @Override
  public void onCallRejected(String service, MeshException reason) {
    for (MeshEventListener l : all) {
      try { l.onCallRejected(service, reason); } catch (RuntimeException e) { failed(l, e); }
    }
  }

  @Override
  public void onAttemptStarted(String service, Endpoint endpoint, int attempt) {
    for (MeshEventListener l : all) {
      try { l.onAttemptStarted(service, endpoint, attempt); } catch (RuntimeException e) { failed(l, e); }
    }
  }

  @Override
  public void onAttemptCompleted(String service, Endpoint endpoint, int attempt, Outcome outcome, long latencyNanos) {
    for (MeshEventListener l : all) {
      try { l.onAttemptCompleted(service, endpoint, attempt, outcome, latencyNanos); } catch (RuntimeException e) { failed(l, e); }
    }
  }

  @Override
  public void onRetry(String service, int nextAttempt, long backoffNanos, Outcome lastOutcome) {
    for (MeshEventListener l : all) {
      try { l.onRetry(service, nextAttempt, backoffNanos, lastOutcome); } catch (RuntimeException e) { failed(l, e); }
    }
  }

  @Override
  public void onRetryBudgetExhausted(String service, Outcome lastOutcome) {
    for (MeshEventListener l : all) {
      try { l.onRetryBudgetExhausted(service, lastOutcome); } catch (RuntimeException e) { failed(l, e); }
    }
  }

  @Override
  public void onCallCompleted(String service, String route, Outcome outcome, MeshException failure, int attempts, long durationNanos) {
    for (MeshEventListener l : all) {
      try { l.onCallCompleted(service, route, outcome, failure, attempts, durationNanos); } catch (RuntimeException e) { failed(l, e); }
    }
  }

  @Override
  public void onEjected(String service, Endpoint endpoint, long durationNanos, int ejectionsInRow) {
    for (MeshEventListener l : all) {
      try { l.onEjected(service, endpoint, durationNanos, ejectionsInRow); } catch (RuntimeException e) { failed(l, e); }
    }
  }

  @Override
  public void onReadmitted(String service, Endpoint endpoint) {
    for (MeshEventListener l : all) {
      try { l.onReadmitted(service, endpoint); } catch (RuntimeException e) { failed(l, e); }
    }
  }

  @Override
  public void onCircuitStateChanged(String service, CircuitState from, CircuitState to) {
    for (MeshEventListener l : all) {
      try { l.onCircuitStateChanged(service, from, to); } catch (RuntimeException e) { failed(l, e); }
    }
  }

  @Override
  public void onSnapshotApplied(String service, ServiceSnapshot snapshot) {
    for (MeshEventListener l : all) {
      try { l.onSnapshotApplied(service, snapshot); } catch (RuntimeException e) { failed(l, e); }
    }
  }
}
