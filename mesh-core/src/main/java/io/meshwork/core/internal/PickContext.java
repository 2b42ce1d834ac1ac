package io.meshwork.core.internal;

import java.util.random.RandomGenerator;

/**
 * What a balancer may ask about the pick in progress: time, randomness, whether an endpoint
 * may be used (not ejected, unless in panic mode) and whether this call tried it already.
 * Implemented by the call itself, so a pick allocates nothing.
 */
public interface PickContext {
  long nowNanos();

  RandomGenerator random();

  /** Whether {@code e} may receive this attempt (health, panic mode). */
  boolean usable(EndpointState e);

  /** Whether the call already tried the endpoint at {@code index} of the subset (soft preference). */
  boolean avoid(int index);

  /** 64-bit hash of the request's hash header, for ring hash; {@code hasHash()} false when absent. */
  long hash();

  boolean hasHash();

  /** Decay time constant of the peak-EWMA estimate. */
  long tauNanos();
}
