package io.meshwork.core.internal;

import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;

/**
 * Where the verified caller identity of an inbound request lives in the OpenTelemetry {@link
 * Context}. Only the inbound guard writes it ({@code io.meshwork.core.inbound.InboundGuard}, from
 * what the transport read in the TLS session); {@code MeshContext.callerIdentity} reads it. Not
 * public API: application code has no way to make the mesh believe a caller identity.
 */
public final class CallerIdentity {
  private static final ContextKey<String> KEY = ContextKey.named("meshwork-caller");
  /** Stands for "no identity" where a parent context had one: context values cannot be null. */
  private static final String NONE = "";

  private CallerIdentity() {}

  /** The caller identity in {@code context}, or {@code null}. */
  public static String get(Context context) {
    String v = context.get(KEY);
    return v == null || v.isEmpty() ? null : v;
  }

  /**
   * {@code context} with {@code spiffeId} as the caller identity; with none when it is {@code
   * null} (hiding one the parent context had).
   */
  public static Context with(Context context, String spiffeId) {
    if (spiffeId == null) return context.get(KEY) == null ? context : context.with(KEY, NONE);
    return context.with(KEY, spiffeId);
  }
}
