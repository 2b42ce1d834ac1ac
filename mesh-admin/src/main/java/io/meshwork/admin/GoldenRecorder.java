package io.meshwork.admin;

import io.meshwork.core.MeshEventListener;
import io.meshwork.core.MeshException;
import io.meshwork.core.Outcome;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The listener behind the golden metrics: on every finished or refused call it finds the
 * destination's {@link GoldenWindow} with one {@link ConcurrentHashMap#get} and counts the call
 * there. After a destination's first call nothing on this path allocates.
 *
 * <p>A call counts as failed when the mesh failed it ({@code failure} not null) or its last
 * outcome was not a success ({@link Outcome#isSuccess()}: a 5xx, a gRPC error code, a reset, a
 * timeout, a cancellation).
 */
final class GoldenRecorder implements MeshEventListener {
  private final ConcurrentHashMap<String, GoldenWindow> windows = new ConcurrentHashMap<>();

  @Override
  public void onCallCompleted(String service, String route, Outcome outcome, MeshException failure,
      int attempts, long durationNanos) {
    window(service).record(durationNanos, failure != null || outcome == null || !outcome.isSuccess());
  }

  @Override
  public void onCallRejected(String service, MeshException reason) {
    window(service).reject();
  }

  private GoldenWindow window(String service) {
    GoldenWindow w = windows.get(service);
    return w != null ? w : windows.computeIfAbsent(service, s -> new GoldenWindow());
  }

  /** The figures of {@code service}, or {@link GoldenWindow.Golden#NONE} before its first call. */
  GoldenWindow.Golden golden(String service) {
    GoldenWindow w = windows.get(service);
    return w == null ? GoldenWindow.Golden.NONE : w.golden();
  }

  /** Every destination's window, for the sampler. */
  Collection<GoldenWindow> windows() {
    return windows.values();
  }
}
