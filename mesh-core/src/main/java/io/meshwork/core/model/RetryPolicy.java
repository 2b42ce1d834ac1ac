package io.meshwork.core.model;

import io.meshwork.core.internal.Durations;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * Which failed attempts are retried and how long to wait between them.
 *
 * <p>Whatever the policy says, a request that may have reached the server is retried only
 * when it is idempotent, and every retry also needs the retry budget and the deadline to
 * allow it. An HTTP request is idempotent by its method, or when the caller says so (mesh-http's
 * {@code Idempotent} request tag); a gRPC call when its proto says so
 * ({@code idempotency_level}), when the caller says so (a call option), or when this policy
 * lists its method in {@link #idempotentMethods}. A request that provably never left (a
 * refused connection) may be retried either way.
 *
 * @param maxAttempts attempts per call including the first, 1 to 10; default
 *     {@value Defaults#MAX_ATTEMPTS}
 * @param on failure kinds to retry; default connect-failure, reset and unavailable (reset and
 *     unavailable only for idempotent requests, as every condition once a request may have been sent)
 * @param onStatus HTTP status codes to retry besides those {@code on} names; default none
 * @param backoffBase first backoff, default 25ms; the n-th retry waits a random time in
 *     [0, min(max, base * 2^(n-1))] (full jitter)
 * @param backoffMax largest backoff, default 250ms
 * @param perTryTimeout timeout of one attempt, capped by the remaining deadline; {@code null}
 *     (the default) means the remaining deadline
 * @param idempotentMethods gRPC methods ({@code package.Service/Method}, or {@code
 *     package.Service/*} for all of a service's) that callers may treat as idempotent, and so
 *     retry after the request may have reached a server; default none. For services whose
 *     protos do not declare {@code idempotency_level}, or whose callers cannot be changed to
 *     pass the call option, this is where the owner of a service says which methods are safe to
 *     repeat; a change applies to the next call. It concerns gRPC only: for HTTP the request's
 *     method still decides (GET, HEAD, PUT, DELETE, OPTIONS and TRACE with a replayable body are
 *     idempotent), or the caller's request tag, and this list is ignored. See {@link IdempotentMethods} for the syntax.
 */
public record RetryPolicy(
    int maxAttempts,
    Set<RetryCondition> on,
    Set<Integer> onStatus,
    Duration backoffBase,
    Duration backoffMax,
    Duration perTryTimeout,
    IdempotentMethods idempotentMethods) {

  public static final RetryPolicy DEFAULT = new RetryPolicy(
      Defaults.MAX_ATTEMPTS,
      // reset: an idempotent request cut by a broken connection is safe to send again (Envoy's
      // and Linkerd's default too); the classifier never resends a non-idempotent one once sent.
      EnumSet.of(RetryCondition.CONNECT_FAILURE, RetryCondition.RESET, RetryCondition.UNAVAILABLE),
      Set.of(),
      Defaults.BACKOFF_BASE,
      Defaults.BACKOFF_MAX,
      null,
      IdempotentMethods.NONE);

  /** A policy that lists no idempotent gRPC method (the form from before that field existed). */
  public RetryPolicy(int maxAttempts, Set<RetryCondition> on, Set<Integer> onStatus, Duration backoffBase,
      Duration backoffMax, Duration perTryTimeout) {
    this(maxAttempts, on, onStatus, backoffBase, backoffMax, perTryTimeout, IdempotentMethods.NONE);
  }

  /** Checks every field; {@code null} {@code idempotentMethods} means none. */
  public RetryPolicy {
    Check.range("retries.maxAttempts", maxAttempts, 1, 10);
    on = on == null || on.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(on));
    onStatus = onStatus == null ? Set.of() : Set.copyOf(onStatus);
    for (int s : onStatus) {
      Check.range("retries.on", s, 400, 599);
    }
    Check.positive("retries.backoff.base", backoffBase);
    Check.positive("retries.backoff.max", backoffMax);
    if (backoffMax.compareTo(backoffBase) < 0) {
      throw new IllegalArgumentException("retries.backoff.max: " + Durations.format(backoffMax)
          + " (expected: at least backoff.base, " + Durations.format(backoffBase) + ")");
    }
    if (perTryTimeout != null) {
      Check.positive("retries.perTryTimeout", perTryTimeout);
    }
    if (idempotentMethods == null) {
      idempotentMethods = IdempotentMethods.NONE;
    }
  }

  /**
   * Whether the gRPC method {@code fullMethodName} ({@code package.Service/Method}) is listed in
   * {@link #idempotentMethods}, by name or by its service. Allocation-free.
   */
  public boolean idempotent(String fullMethodName) {
    return idempotentMethods.contains(fullMethodName);
  }

  /** A policy that never retries. */
  public static RetryPolicy none() {
    return DEFAULT.withMaxAttempts(1);
  }

  /** This policy with {@code n} attempts per call. */
  public RetryPolicy withMaxAttempts(int n) {
    return new RetryPolicy(n, on, onStatus, backoffBase, backoffMax, perTryTimeout, idempotentMethods);
  }

  /** This policy retrying these failure kinds and HTTP status codes. */
  public RetryPolicy withOn(Set<RetryCondition> conditions, Set<Integer> statuses) {
    return new RetryPolicy(maxAttempts, conditions, statuses, backoffBase, backoffMax, perTryTimeout,
        idempotentMethods);
  }

  /** This policy with another backoff. */
  public RetryPolicy withBackoff(Duration base, Duration max) {
    return new RetryPolicy(maxAttempts, on, onStatus, base, max, perTryTimeout, idempotentMethods);
  }

  /** This policy with another per-try timeout ({@code null}: the remaining deadline). */
  public RetryPolicy withPerTryTimeout(Duration timeout) {
    return new RetryPolicy(maxAttempts, on, onStatus, backoffBase, backoffMax, timeout, idempotentMethods);
  }

  /**
   * This policy with these idempotent gRPC methods, e.g. {@code
   * withIdempotentMethods("greeter.Greeter/SayHello", "greeter.Admin/*")}.
   *
   * @throws IllegalArgumentException for an entry that is not {@code package.Service/Method} or
   *     {@code package.Service/*}
   */
  public RetryPolicy withIdempotentMethods(String... methods) {
    return new RetryPolicy(maxAttempts, on, onStatus, backoffBase, backoffMax, perTryTimeout,
        IdempotentMethods.of(methods));
  }
}
