package io.meshwork.core.internal;

/**
 * Picks one endpoint of a {@link Subset} for an attempt. One small implementation per
 * algorithm; the engine decides the subset (route, zone) and health rules, the balancer only
 * chooses among what it is given.
 *
 * <p>Contract: return an endpoint for which {@code ctx.usable(e)} holds, preferring one that
 * {@code ctx.avoid(index)} does not flag (an endpoint this call already tried), or {@code null}
 * when no endpoint of the subset is usable. Must not lock; must not allocate in the common case.
 * Implementations are stateless or hold only atomics, and are shared by all calls of a
 * destination.
 */
public interface LoadBalancer {
  EndpointState pick(Subset subset, PickContext ctx);
}
