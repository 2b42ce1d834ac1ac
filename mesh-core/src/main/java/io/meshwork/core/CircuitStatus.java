package io.meshwork.core;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A destination's circuit breaker as it stands, from {@link Destination#circuit()}, for
 * operators and tools. A point-in-time copy.
 *
 * @param state the breaker's state
 * @param probeIn while {@link CircuitState#OPEN}: how long until the next call is let through as
 *     a probe (zero once due: the next call probes); empty in any other state
 * @param opened how many times the breaker has opened since it was made (a changed breaker
 *     policy in the registry makes a new one)
 */
public record CircuitStatus(CircuitState state, Optional<Duration> probeIn, long opened) {
  public CircuitStatus {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(probeIn, "probeIn");
  }
}
