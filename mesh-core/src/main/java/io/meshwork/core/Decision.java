package io.meshwork.core;

import java.util.concurrent.TimeUnit;

/**
 * What the engine decided after an attempt: the transport carries it out. It is a decision, not
 * an action: the engine never sleeps, never sends.
 *
 * <ul>
 *   <li>{@link Kind#DONE}: hand the attempt's result (its response, or its error) to the
 *       application.
 *   <li>{@link Kind#RETRY}: discard the attempt's result (close a response body), wait
 *       {@link #backoffNanos()}, then ask the call for its next attempt.
 *   <li>{@link Kind#FAIL}: a mesh rule stopped the call; surface {@link #failure()}.
 * </ul>
 */
public final class Decision {
  /** The kinds of decision. */
  public enum Kind { DONE, RETRY, FAIL }

  private static final Decision DONE = new Decision(Kind.DONE, 0, null);

  private final Kind kind;
  private final long backoffNanos;
  private final MeshException failure;

  private Decision(Kind kind, long backoffNanos, MeshException failure) {
    this.kind = kind;
    this.backoffNanos = backoffNanos;
    this.failure = failure;
  }

  /** Hand the result to the application. A shared constant. */
  public static Decision done() {
    return DONE;
  }

  /** Retry after {@code backoffNanos}. */
  public static Decision retry(long backoffNanos) {
    if (backoffNanos < 0) throw new IllegalArgumentException("backoffNanos: " + backoffNanos + " (expected: >= 0)");
    return new Decision(Kind.RETRY, backoffNanos, null);
  }

  /** Stop the call with {@code failure}. */
  public static Decision fail(MeshException failure) {
    java.util.Objects.requireNonNull(failure, "failure");
    return new Decision(Kind.FAIL, 0, failure);
  }

  public Kind kind() {
    return kind;
  }

  public boolean isDone() {
    return kind == Kind.DONE;
  }

  public boolean isRetry() {
    return kind == Kind.RETRY;
  }

  public boolean isFail() {
    return kind == Kind.FAIL;
  }

  /** For {@link Kind#RETRY}: how long to wait before the next attempt; 0 otherwise. */
  public long backoffNanos() {
    return backoffNanos;
  }

  /** {@link #backoffNanos()} in {@code unit}, rounded up. */
  public long backoff(TimeUnit unit) {
    return Deadline.ceil(backoffNanos, unit);
  }

  /** For {@link Kind#FAIL}: why the call stopped; {@code null} otherwise. */
  public MeshException failure() {
    return failure;
  }

  @Override
  public String toString() {
    switch (kind) {
      case RETRY: return "Decision[RETRY after " + backoffNanos + "ns]";
      case FAIL: return "Decision[FAIL " + failure.getMessage() + "]";
      default: return "Decision[DONE]";
    }
  }
}
