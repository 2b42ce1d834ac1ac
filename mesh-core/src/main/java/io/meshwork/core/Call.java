package io.meshwork.core;

/**
 * One call to a destination, driven by a transport: ask for an attempt, send it, report its
 * outcome, follow the decision. Sans-I/O: the call decides, the transport does the I/O.
 *
 * <pre>{@code
 * try (Call call = destination.newCall(request)) {
 *   while (true) {
 *     Attempt attempt = call.nextAttempt();           // picks an endpoint
 *     Outcome outcome = send(attempt.endpoint(), attempt.timeoutNanos());
 *     Decision decision = attempt.complete(outcome);
 *     if (decision.isRetry()) { discard(outcome); sleep(decision.backoffNanos()); continue; }
 *     if (decision.isFail()) throw decision.failure();
 *     return result(outcome);
 *   }
 * }
 * }</pre>
 *
 * <p>Threading: a call is driven by one thread at a time, but attempts may be completed on
 * another thread than the one that started them (as a gRPC picker and stream tracer do), as
 * long as the hand-off is safely published. {@link #close()} may race with an attempt's
 * completion; exactly one of them records it.
 *
 * <p>Closing is the guard: it releases the concurrency slot and the breaker permission, and if
 * the call did not reach a decision of DONE or FAIL, records it as cancelled. Closing twice is
 * harmless.
 */
public interface Call extends AutoCloseable {
  /** The service called. */
  String service();

  /** The route the call took (for metrics), e.g. {@code default} or {@code canary}. */
  String route();

  /** The call's deadline. */
  Deadline deadline();

  /** Attempts started so far. */
  int attempts();

  /**
   * Picks an endpoint for the next attempt.
   *
   * @throws DeadlineExceededException when the deadline has passed (nothing is sent)
   * @throws NoEndpointsException when the service has no endpoint that can be used
   * @throws IllegalStateException when an attempt is still open or the call has ended
   */
  Attempt nextAttempt();

  /** Ends the call; see the class comment. Idempotent. */
  @Override
  void close();
}
