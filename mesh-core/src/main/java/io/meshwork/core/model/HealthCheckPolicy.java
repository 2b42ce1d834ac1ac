package io.meshwork.core.model;

/**
 * Client-side health checking: whether callers ask each endpoint for its health and stop
 * picking one that reports itself not serving. An endpoint can know it should get no traffic
 * (draining before a shutdown, warming up, a dependency down) before any call to it fails; the
 * health check lets it say so, so that callers move away without a single failed call, where
 * outlier detection only reacts after failures.
 *
 * <p>For gRPC (mesh-grpc) this is the standard {@code grpc.health.v1.Health/Watch} stream on each
 * connection: a connection whose server answers NOT_SERVING for {@code service} gets no picks
 * until it answers SERVING again; a server without the health service counts as healthy. A
 * change of this policy in the registry takes effect on open connections. For HTTP (mesh-http)
 * it is informational for now: there is no active health checking over HTTP, and HTTP endpoints
 * are judged by outlier detection alone.
 *
 * @param enabled whether callers check health; default {@value Defaults#HEALTH_CHECK_ENABLED}
 * @param service the {@code grpc.health.v1} service name to check; {@code ""} (the default) is
 *     the server as a whole, a full service name such as {@code greeter.Greeter} the health of
 *     that one service; at most {@value #MAX_SERVICE_LENGTH} characters, no control characters
 */
public record HealthCheckPolicy(boolean enabled, String service) {
  /** The longest {@link #service} name accepted. */
  public static final int MAX_SERVICE_LENGTH = 200;

  /** Health checking on, for the server as a whole. */
  public static final HealthCheckPolicy DEFAULT =
      new HealthCheckPolicy(Defaults.HEALTH_CHECK_ENABLED, Defaults.HEALTH_CHECK_SERVICE);

  /**
   * @throws IllegalArgumentException when {@code service} is null, longer than {@value
   *     #MAX_SERVICE_LENGTH} characters or holds a control character
   */
  public HealthCheckPolicy {
    Check.printable("healthCheck.service", service, MAX_SERVICE_LENGTH,
        "a grpc.health.v1 service name such as greeter.Greeter, or \"\" for the whole server");
  }

  /** Health checking off: every connection that is up gets picks, whatever its health. */
  public static HealthCheckPolicy disabled() {
    return new HealthCheckPolicy(false, Defaults.HEALTH_CHECK_SERVICE);
  }
}
