package io.meshwork.core.internal;

import io.meshwork.core.Attempt;
import io.meshwork.core.Deadline;
import io.meshwork.core.Decision;
import io.meshwork.core.Outcome;
import io.meshwork.core.model.Endpoint;

/**
 * The handle of a retry (attempt 2 and later): it remembers its number and endpoint, so a late
 * completion of an earlier attempt can never be taken for this one. Allocated only on retries.
 */
final class RetryAttempt implements Attempt {
  private final RealCall call;
  private final int number;
  private final Endpoint endpoint;

  RetryAttempt(RealCall call, int number, Endpoint endpoint) {
    this.call = call;
    this.number = number;
    this.endpoint = endpoint;
  }

  @Override
  public Endpoint endpoint() {
    return endpoint;
  }

  @Override
  public int number() {
    return number;
  }

  @Override
  public Deadline deadline() {
    return call.deadline();
  }

  @Override
  public long timeoutNanos() {
    return call.timeoutNanos();
  }

  @Override
  public Decision complete(Outcome outcome) {
    return call.complete(number, outcome);
  }

  @Override
  public String toString() {
    return "Attempt[" + number + " of " + call + " -> " + endpoint.address() + "]";
  }
}
