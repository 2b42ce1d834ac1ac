package io.meshwork.core;

/**
 * Whether the inbound request being handled should stop, for a handler to poll or to be told:
 * its deadline passed (the caller's {@code mesh-timeout-ms}, or gRPC's deadline), or the client
 * went away (a gRPC client cancelled the call). Read it with {@link
 * MeshContext#currentCancellation()} inside a handler of a mesh server.
 *
 * <pre>{@code
 * Cancellation c = MeshContext.currentCancellation();
 * for (Row row : rows) {
 *   if (c.isCancelled()) return;          // the caller has given up: stop working for nobody
 *   ...
 * }
 * try (Subscription s = c.onCancelled(query::cancel)) {   // or be told, e.g. to cancel a JDBC statement
 *   query.execute();
 * }
 * }</pre>
 *
 * <p>What it does not do: Java threads are not interrupted and blocking I/O in the handler is not
 * aborted; the handler stops when it looks, or when a listener it added stops its work. The
 * handler's own mesh calls need none of this: they inherit the deadline, and once it has passed
 * they fail at once with {@link DeadlineExceededException}, before anything is sent.
 *
 * <p>Thread-safe. {@link #isCancelled()} costs one ticker read; the first {@link #onCancelled}
 * of a request schedules one task on the process's one deadline timer (no thread per request),
 * removed when the request ends.
 */
public interface Cancellation {
  /** The request's deadline, or {@code null} when it has none. */
  Deadline deadline();

  /** Whether the request is cancelled: its deadline has passed (on the mesh's ticker), or the client went away. */
  boolean isCancelled();

  /**
   * Runs {@code listener} once when the request is cancelled, on the thread that notices (the
   * deadline timer's thread, or the transport's when the client goes away), or at once on this
   * thread when it is cancelled already. Listeners must be quick and must not block; one that
   * throws is logged and the others still run. Listeners of a request that ended without being
   * cancelled never run. Closing the returned subscription removes the listener.
   */
  Subscription onCancelled(Runnable listener);
}
