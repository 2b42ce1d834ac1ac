package io.meshwork.core.internal;

import io.meshwork.core.CircuitState;
import io.meshwork.core.MeshEventListener;
import io.meshwork.core.model.Endpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs the decisions an operator wants to see (ejections, readmissions, breaker transitions)
 * on the SLF4J logger {@code meshwork.decisions}. Per-call events are not logged here.
 */
public final class DecisionLog implements MeshEventListener {
  private static final Logger log = LoggerFactory.getLogger("meshwork.decisions");

  @Override
  public void onEjected(String service, Endpoint endpoint, long durationNanos, int ejectionsInRow) {
    log.warn("{}: ejected {} for {} ms (ejection {} in a row)", service, endpoint.address(),
        durationNanos / 1_000_000, ejectionsInRow);
  }

  @Override
  public void onReadmitted(String service, Endpoint endpoint) {
    log.info("{}: readmitted {}", service, endpoint.address());
  }

  @Override
  public void onCircuitStateChanged(String service, CircuitState from, CircuitState to) {
    log.warn("{}: circuit breaker {} -> {}", service, from, to);
  }
}
