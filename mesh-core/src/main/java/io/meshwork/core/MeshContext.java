package io.meshwork.core;

import io.meshwork.core.internal.CallerIdentity;
import io.meshwork.core.internal.RealCancellation;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;

/**
 * The mesh's per-request state lives in the OpenTelemetry {@link Context}, beside the trace:
 * one context carries both, so whatever propagates a context (executors wrapped by
 * {@code Context.taskWrapping}, gRPC's context bridging, the inbound guard of a mesh server)
 * propagates the deadline too, and a handler's outgoing mesh calls inherit it without any
 * header forwarding.
 */
public final class MeshContext {
  private static final ContextKey<Deadline> DEADLINE = ContextKey.named("meshwork-deadline");

  private MeshContext() {}

  /** The deadline in {@code context}, or {@code null} when it has none. */
  public static Deadline deadline(Context context) {
    return context.get(DEADLINE);
  }

  /** The deadline of the current context, or {@code null}. */
  public static Deadline currentDeadline() {
    return Context.current().get(DEADLINE);
  }

  /**
   * {@code context} with {@code deadline}, or with the sooner of it and a deadline the context
   * already has: a nested scope can shorten a deadline, never extend it.
   */
  public static Context withDeadline(Context context, Deadline deadline) {
    Deadline existing = context.get(DEADLINE);
    return context.with(DEADLINE, deadline.minimum(existing));
  }

  /**
   * The cancellation signal of the inbound request {@code context} belongs to (its deadline
   * passed, or its client went away), for a handler to poll or to be told; outside a request of
   * a mesh server, one that is never cancelled. Only the inbound guard of a mesh server sets it.
   */
  public static Cancellation cancellation(Context context) {
    return RealCancellation.of(context);
  }

  /** The cancellation signal of the inbound request being handled; see {@link #cancellation(Context)}. */
  public static Cancellation currentCancellation() {
    return RealCancellation.of(Context.current());
  }

  /**
   * Whether the inbound request being handled is cancelled: its deadline has passed or its client
   * went away. {@code false} outside a request of a mesh server. Costs one ticker read.
   */
  public static boolean isCancelled() {
    return currentCancellation().isCancelled();
  }

  /**
   * The verified identity of the peer that made the inbound request being handled (a SPIFFE
   * ID), or {@code null} when the request came without one (plaintext, TLS without a client
   * certificate, or outside a request). Only the inbound guard of a mesh server sets it
   * ({@link io.meshwork.core.inbound.InboundGuard}), from what the transport read in the
   * connection's TLS session, never from a header; there is no public way to set it.
   */
  public static String callerIdentity(Context context) {
    return CallerIdentity.get(context);
  }
}
