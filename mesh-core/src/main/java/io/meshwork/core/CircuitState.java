package io.meshwork.core;

/** States of the service-level circuit breaker. */
public enum CircuitState {
  /** Calls flow; failures are counted. */
  CLOSED,
  /** Calls are refused until the open time has passed. */
  OPEN,
  /** A few probe calls are let through to decide whether to close again. */
  HALF_OPEN,
  /** The policy turned the breaker off. */
  DISABLED
}
