package io.meshwork.core;

import io.meshwork.core.model.Address;
import io.meshwork.core.registry.ServiceSnapshot;
import java.util.List;

/**
 * A target service as seen by this process: its live configuration from the registry, its
 * endpoints with their health and load, its circuit breaker and retry budget. Obtained from
 * {@link Mesh#destination(String)}, cached and kept up to date there; a registry change takes
 * effect for the next call, and a call in flight, retries included, keeps the endpoints and
 * policy it started with (endpoint health and load stay live: an endpoint ejected meanwhile is
 * not picked).
 *
 * <p>Thread-safe. {@link #newCall} is the per-call entry point and costs well under a
 * microsecond.
 */
public interface Destination {
  /** The service name. */
  String service();

  /**
   * Starts a call: fixes its deadline (the sooner of the context's, the request's own {@link
   * MeshRequest#deadline()} and the policy timeout), its route, and takes its admission
   * (concurrency slot and circuit-breaker permission). The returned call must be closed;
   * closing it releases everything, whatever happened.
   *
   * @throws DeadlineExceededException when the inherited deadline or the request's own has
   *     already passed (the message says which)
   * @throws ConcurrencyLimitException when maxConcurrentRequests calls are in flight
   * @throws CircuitOpenException when the breaker refuses calls
   */
  Call newCall(MeshRequest request);

  /**
   * Starts a call that the application made at {@code startNanos}, a reading of the mesh's
   * {@link Ticker} at or before now: a transport whose client queues calls before the mesh sees
   * them (OkHttp's dispatcher, for {@code enqueue}) passes the time the call was made, so that
   * the time spent queued counts against the policy timeout and in the call's duration, as the
   * caller experiences it. Otherwise as {@link #newCall(MeshRequest)}; a start after now counts
   * as now.
   *
   * @throws DeadlineExceededException when the deadline, counted from {@code startNanos} or
   *     inherited, has already passed
   */
  Call newCall(MeshRequest request, long startNanos);

  /** The registry snapshot in force. */
  ServiceSnapshot snapshot();

  /** The endpoints with their current state, in registry order (for tools and tests). */
  List<EndpointStatus> endpoints();

  /**
   * Reports what a transport's active health check saw at {@code endpoint} (see {@link
   * io.meshwork.core.model.HealthCheckPolicy}); the engine does no I/O itself, the checker probes
   * the {@link #endpoints()} of this destination as {@code snapshot().config().client().healthCheck()}
   * says and reports here.
   *
   * <ul>
   *   <li>Not serving: the endpoint gets no picks until a report says it serves again, unless
   *       no endpoint of a call's route is left (then the route uses all, as when all are
   *       ejected). It does not count towards outlier detection's panic threshold: the endpoint
   *       said it wants no traffic, it is not failing.
   *   <li>Serving: clears a not-serving mark, and readmits at once an endpoint that outlier
   *       detection ejected (listeners see it readmitted), as Envoy does after a successful
   *       active health check: a restarted replica is back within one check interval instead of
   *       its ejection time. It fails its way out again if calls keep failing.
   * </ul>
   *
   * A report for an address that is not an endpoint of this destination is ignored; so is every
   * report while the policy has health checking disabled (switching it off clears the marks).
   * Thread-safe; cheap (a scan of the endpoints).
   */
  void reportHealth(Address endpoint, boolean serving);

  /** The circuit breaker's state. */
  CircuitState circuitState();

  /**
   * The circuit breaker as it stands: its state, when an open breaker lets the next probe
   * through, and how often it has opened. For operators' views; not for the call path.
   */
  CircuitStatus circuit();

  /** Calls admitted and not yet closed. */
  int inFlight();

  /**
   * The retry budget as it stands: retries it allows now, its policy, and how many retries it
   * (window or throttle) refused since the destination was made. For operators' views; reads the
   * budget's window, not for the call path.
   */
  RetryBudgetStatus retryBudget();
}
