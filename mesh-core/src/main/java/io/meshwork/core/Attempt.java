package io.meshwork.core;

import io.meshwork.core.model.Endpoint;

/** One try of a call against one endpoint. */
public interface Attempt {
  /** The endpoint picked. */
  Endpoint endpoint();

  /** 1 for the first attempt, 2 for the first retry, and so on. */
  int number();

  /** The call's deadline. */
  Deadline deadline();

  /** Time this attempt may take: the per-try timeout capped by the remaining deadline. */
  long timeoutNanos();

  /**
   * Reports what happened and returns what to do next. Feeds the endpoint's latency estimate
   * and health, the retry budget, the breaker and the metrics. Only the first completion of an
   * attempt counts: a repeated one, one for an attempt the call has moved past, or one after the
   * call was closed records nothing and returns {@link Decision#done()}.
   */
  Decision complete(Outcome outcome);
}
