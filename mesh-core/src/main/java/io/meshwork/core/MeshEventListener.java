package io.meshwork.core;

import io.meshwork.core.model.Endpoint;
import io.meshwork.core.registry.ServiceSnapshot;

/**
 * Sees every decision the engine takes. Metrics, logs and tests hang off it.
 *
 * <p>Threading and cost: methods are called synchronously on the thread that drove the
 * decision (often a request thread), so they must be quick and must not throw; an exception
 * is caught and logged. All methods default to doing nothing.
 */
public interface MeshEventListener {
  /** A call was refused before any attempt (deadline passed, circuit open, concurrency limit). */
  default void onCallRejected(String service, MeshException reason) {}

  /** An attempt picked {@code endpoint}; {@code attempt} counts from 1. */
  default void onAttemptStarted(String service, Endpoint endpoint, int attempt) {}

  /** An attempt ended. */
  default void onAttemptCompleted(String service, Endpoint endpoint, int attempt, Outcome outcome, long latencyNanos) {}

  /** The engine decided to retry after {@code lastOutcome}, waiting {@code backoffNanos}. */
  default void onRetry(String service, int nextAttempt, long backoffNanos, Outcome lastOutcome) {}

  /** A retry was wanted but the retry budget was empty. */
  default void onRetryBudgetExhausted(String service, Outcome lastOutcome) {}

  /**
   * A call ended: with a final outcome handed to the application ({@code failure} null), or with
   * a mesh failure. {@code outcome} is the last attempt's, or {@code null} when none ran.
   */
  default void onCallCompleted(String service, String route, Outcome outcome, MeshException failure,
      int attempts, long durationNanos) {}

  /** An endpoint was ejected for {@code durationNanos} after failing. */
  default void onEjected(String service, Endpoint endpoint, long durationNanos, int ejectionsInRow) {}

  /** An ejected endpoint was readmitted. */
  default void onReadmitted(String service, Endpoint endpoint) {}

  /** The service-level circuit breaker changed state. */
  default void onCircuitStateChanged(String service, CircuitState from, CircuitState to) {}

  /** The destination applied a new snapshot from the registry. */
  default void onSnapshotApplied(String service, ServiceSnapshot snapshot) {}
}
