package io.meshwork.core.model;

import io.meshwork.core.internal.Durations;
import java.time.Duration;

/**
 * Client-side health checking: whether callers ask each endpoint for its health and stop
 * picking one that reports itself not serving. An endpoint can know it should get no traffic
 * (draining before a shutdown, warming up, a dependency down) before any call to it fails; the
 * health check lets it say so, so that callers move away without a single failed call, where
 * outlier detection only reacts after failures. An endpoint that outlier detection ejected and
 * that answers its health check as serving is readmitted at once, instead of waiting out its
 * ejection (a restarted replica is back within one interval).
 *
 * <p>For gRPC (mesh-grpc) this is the standard {@code grpc.health.v1.Health/Watch} stream on each
 * connection: a connection whose server answers NOT_SERVING for {@code service} gets no picks
 * until it answers SERVING again; a server without the health service counts as healthy. A
 * change of this policy in the registry takes effect on open connections; {@code path} and
 * {@code interval} are not used.
 *
 * <p>For HTTP (mesh-http) checking needs a {@code path}: every {@code interval} a mesh client
 * sends {@code GET <path>} to each endpoint of a destination it calls (with the same mutual TLS
 * as its calls), and counts 2xx as serving, 503 or no answer as not serving, and 404, 405 or 501
 * (no such health path) as serving, as gRPC counts a server without the health service. An
 * empty {@code path} (the default) means no HTTP health checking: the probes are opt-in, because
 * they reach every endpoint from every client and a path is only meaningful if the servers
 * answer it ({@code MeshHttpServer} answers {@code /healthz} itself). {@code service} is not
 * used over HTTP.
 *
 * @param enabled whether callers check health; default {@value Defaults#HEALTH_CHECK_ENABLED}
 * @param service the {@code grpc.health.v1} service name to check; {@code ""} (the default) is
 *     the server as a whole, a full service name such as {@code greeter.Greeter} the health of
 *     that one service; at most {@value #MAX_SERVICE_LENGTH} characters, no control characters
 * @param path the HTTP path to probe, starting with {@code /}, such as {@code /healthz}; {@code
 *     ""} (the default) for no HTTP checks; at most {@value #MAX_PATH_LENGTH} characters, no
 *     spaces or control characters
 * @param interval time between two HTTP probes of an endpoint, {@link #MIN_INTERVAL} to {@link
 *     #MAX_INTERVAL}; default 5 s ({@link Defaults#HEALTH_CHECK_INTERVAL})
 */
public record HealthCheckPolicy(boolean enabled, String service, String path, Duration interval) {
  /** The longest {@link #service} name accepted. */
  public static final int MAX_SERVICE_LENGTH = 200;
  /** The longest {@link #path} accepted. */
  public static final int MAX_PATH_LENGTH = 200;
  /** The shortest {@link #interval}: probes more often than this cost more than they tell. */
  public static final Duration MIN_INTERVAL = Duration.ofMillis(100);
  /** The longest {@link #interval}. */
  public static final Duration MAX_INTERVAL = Duration.ofHours(1);

  /** Health checking on, for the server as a whole; no HTTP path. */
  public static final HealthCheckPolicy DEFAULT = new HealthCheckPolicy(Defaults.HEALTH_CHECK_ENABLED,
      Defaults.HEALTH_CHECK_SERVICE, Defaults.HEALTH_CHECK_PATH, Defaults.HEALTH_CHECK_INTERVAL);

  /**
   * @throws IllegalArgumentException when {@code service} is null, longer than {@value
   *     #MAX_SERVICE_LENGTH} characters or holds a control character; when {@code path} is
   *     neither empty nor a path starting with {@code /} of at most {@value #MAX_PATH_LENGTH}
   *     characters without spaces or control characters; when {@code interval} is outside
   *     {@link #MIN_INTERVAL} to {@link #MAX_INTERVAL}
   */
  public HealthCheckPolicy {
    Check.printable("healthCheck.service", service, MAX_SERVICE_LENGTH,
        "a grpc.health.v1 service name such as greeter.Greeter, or \"\" for the whole server");
    String expectedPath = "an HTTP path starting with / such as /healthz, or \"\" for no HTTP checks";
    Check.printable("healthCheck.path", path, MAX_PATH_LENGTH, expectedPath);
    if (!path.isEmpty() && (!path.startsWith("/") || path.codePoints().anyMatch(Character::isWhitespace))) {
      throw new IllegalArgumentException("healthCheck.path: " + Check.quote(path) + " (expected: " + expectedPath
          + ", without spaces)");
    }
    Check.notNull("healthCheck.interval", interval);
    if (interval.compareTo(MIN_INTERVAL) < 0 || interval.compareTo(MAX_INTERVAL) > 0) {
      throw new IllegalArgumentException("healthCheck.interval: " + Durations.format(interval) + " (expected: "
          + Durations.format(MIN_INTERVAL) + " to " + Durations.format(MAX_INTERVAL) + ")");
    }
  }

  /** A policy with the default {@code path} (none) and {@code interval}: the gRPC-only fields. */
  public HealthCheckPolicy(boolean enabled, String service) {
    this(enabled, service, Defaults.HEALTH_CHECK_PATH, Defaults.HEALTH_CHECK_INTERVAL);
  }

  /** Health checking off: every connection that is up gets picks, whatever its health. */
  public static HealthCheckPolicy disabled() {
    return new HealthCheckPolicy(false, Defaults.HEALTH_CHECK_SERVICE);
  }

  /** Whether HTTP clients probe the endpoints: checking enabled and a {@link #path} set. */
  public boolean httpChecks() {
    return enabled && !path.isEmpty();
  }
}
