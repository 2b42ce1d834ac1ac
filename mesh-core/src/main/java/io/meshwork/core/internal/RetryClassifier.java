package io.meshwork.core.internal;

import io.meshwork.core.Outcome;
import io.meshwork.core.model.RetryCondition;
import io.meshwork.core.model.RetryPolicy;
import java.util.Set;

/**
 * Decides whether a failed attempt may be retried under a {@link RetryPolicy}. Precomputed per
 * policy into flags and tables, so the per-attempt question is a few array reads.
 *
 * <p>Safety first: whatever the policy lists, a request that may have reached the server is
 * retried only if it is idempotent; one that provably did not (connection refused) may always
 * be, when the policy lists {@code connect-failure}.
 */
final class RetryClassifier {
  private final boolean connectFailure;
  private final boolean reset;
  private final boolean perTryTimeout;
  private final boolean[] http = new boolean[600];
  private final boolean[] grpc = new boolean[17];

  RetryClassifier(RetryPolicy policy) {
    Set<RetryCondition> on = policy.on();
    connectFailure = on.contains(RetryCondition.CONNECT_FAILURE);
    reset = on.contains(RetryCondition.RESET);
    perTryTimeout = on.contains(RetryCondition.PER_TRY_TIMEOUT);
    boolean unavailable = on.contains(RetryCondition.UNAVAILABLE);
    boolean gateway = on.contains(RetryCondition.GATEWAY_ERROR);
    boolean server = on.contains(RetryCondition.SERVER_ERROR);
    if (unavailable || gateway || server) {
      http[503] = true;
      grpc[Outcome.GRPC_UNAVAILABLE] = true;
    }
    if (gateway || server) {
      http[502] = true;
      http[504] = true;
    }
    if (server) {
      for (int s = 500; s < 600; s++) http[s] = true;
      grpc[Outcome.GRPC_INTERNAL] = true;
      grpc[Outcome.GRPC_UNKNOWN] = true;
    }
    for (int s : policy.onStatus()) {
      http[s] = true;
    }
  }

  boolean retryable(Outcome o, boolean idempotent) {
    switch (o.kind()) {
      case CONNECT_FAILURE:
        return connectFailure;
      case RESET:
        return reset && idempotent;
      case TIMEOUT:
        return perTryTimeout && idempotent;
      case ERROR:
        return !o.requestSent() && connectFailure;
      case RESPONSE:
        return idempotent && (o.isGrpc() ? grpc[o.status()] : http[o.status()]);
      default:
        return false;
    }
  }
}
