package io.meshwork.core.registry;

import io.meshwork.core.model.Endpoint;

/**
 * A source of the mesh document, watched per service, where local services can announce
 * their own endpoints.
 *
 * <p>Threading: implementations are thread-safe. Listeners are called one at a time per
 * watch, never concurrently with themselves, on a thread of the registry or on the thread
 * that made the change (the first call happens on the caller's thread inside {@link #watch});
 * they must return quickly.
 *
 * <p>A registry that cannot read a new version (a broken document, an unreachable backend)
 * keeps serving the last good one.
 */
public interface Registry extends AutoCloseable {

  /**
   * Watches a service: {@code listener} receives the current snapshot before this method
   * returns, then every change until the watch is closed. An unknown service is delivered as
   * a snapshot with {@link ServiceSnapshot#known()} false and no endpoints; it becomes known
   * when a document or registration names it.
   */
  Watch watch(String service, ServiceListener listener);

  /**
   * Announces an endpoint of a local service. It joins the service's endpoints (after the
   * document's own; an address the document lists already is not added twice) until the
   * returned registration is closed, or, for backends with leases, until this process stops
   * renewing it.
   *
   * <p>A server registers its own port by name, {@code Endpoint.ofPort(host, "grpc", port)}.
   * Registrations with named ports that one process makes for the same host are merged into
   * one endpoint holding all their ports (an HTTP and a gRPC server of one process are one
   * instance of the service); closing one removes only its ports, and the endpoint goes with
   * the last. Endpoints without named ports are never merged.
   */
  Registration register(String service, Endpoint endpoint);

  /**
   * The names of the services the document in force names, for tools and for "did you mean"
   * hints; a registry that cannot list them returns an empty set (the default). Not for the call
   * path: it may copy.
   */
  default java.util.Set<String> serviceNames() {
    return java.util.Set.of();
  }

  /**
   * Where this registry reads, the version in force and why the latest change was not taken,
   * for health checks and admin pages. The default describes a registry that cannot tell more
   * than its class name. Not for the call path.
   */
  default RegistryStatus status() {
    return new RegistryStatus(getClass().getSimpleName(), 0, java.util.Optional.empty(),
        java.util.List.of(), java.util.Optional.empty());
  }

  /** Stops watching and removes this registry's registrations. Idempotent. */
  @Override
  void close();
}
