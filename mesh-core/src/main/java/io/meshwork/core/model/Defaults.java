package io.meshwork.core.model;

import java.time.Duration;

/**
 * Every default of the registry document in one place. A service that lists only its
 * endpoints gets exactly these values.
 */
public final class Defaults {
  /** Trust domain of SPIFFE identities when the document names none. */
  public static final String TRUST_DOMAIN = "meshwork.local";
  /**
   * TLS mode when the document names none: permissive accepts both plaintext and mTLS, so
   * a mesh can be adopted one service at a time (the same choice Istio makes).
   */
  public static final TlsMode TLS_MODE = TlsMode.PERMISSIVE;
  /** Protocol of a service. */
  public static final Protocol PROTOCOL = Protocol.HTTP;
  /** Weight of an endpoint in load balancing. */
  public static final int ENDPOINT_WEIGHT = 1;
  /** Largest endpoint or split weight accepted. */
  public static final int MAX_WEIGHT = 10_000;

  /** Whole-call timeout (the deadline a call gets when it inherits none shorter). */
  public static final Duration TIMEOUT = Duration.ofSeconds(10);
  /** Attempts per call, the first included. */
  public static final int MAX_ATTEMPTS = 3;
  /** First retry backoff; doubles per retry, with full jitter. */
  public static final Duration BACKOFF_BASE = Duration.ofMillis(25);
  /** Largest retry backoff. */
  public static final Duration BACKOFF_MAX = Duration.ofMillis(250);

  /** Retries allowed as a share of requests (Finagle's default). */
  public static final double RETRY_BUDGET_RATIO = 0.2;
  /** Retries allowed per second regardless of traffic (Finagle's default). */
  public static final int RETRY_BUDGET_MIN_PER_SECOND = 10;
  /** Window over which the budget counts requests (Finagle's default). */
  public static final Duration RETRY_BUDGET_TTL = Duration.ofSeconds(10);
  /**
   * Retry throttle bucket size (gRPC's retry throttling, gRFC A6): retries stop once about half
   * as many calls have failed despite their retries, five here, so a total outage costs a
   * handful of wasted retries.
   */
  public static final int RETRY_THROTTLE_MAX_TOKENS = 10;
  /**
   * Tokens a successful call puts back in the retry throttle: retries stay allowed while fewer
   * than about 1 call in 11 fails despite its retries, and come back within ten successes.
   */
  public static final double RETRY_THROTTLE_TOKEN_RATIO = 0.1;

  /** Load balancer. */
  public static final LoadBalancerKind LOAD_BALANCER = LoadBalancerKind.PEAK_EWMA;

  /** Consecutive failures that eject an endpoint. */
  public static final int OUTLIER_CONSECUTIVE_FAILURES = 5;
  /** First ejection time; the n-th ejection in a row lasts n times as long. */
  public static final Duration OUTLIER_BASE_EJECTION = Duration.ofSeconds(30);
  /** Longest ejection. */
  public static final Duration OUTLIER_MAX_EJECTION = Duration.ofMinutes(5);
  /** Largest share of a service's endpoints that may be ejected at once. */
  public static final int OUTLIER_MAX_EJECTED_PERCENT = 50;
  /** Below this share of healthy endpoints, all endpoints are used (panic mode). */
  public static final int OUTLIER_PANIC_THRESHOLD_PERCENT = 50;

  /** Failure rate (percent) that opens the service-level circuit breaker. */
  public static final int BREAKER_FAILURE_RATE = 50;
  /**
   * Sliding window of the circuit breaker (Hystrix's): short enough that a total outage opens
   * the breaker within seconds, not only once it has lasted half the window.
   */
  public static final Duration BREAKER_WINDOW = Duration.ofSeconds(10);
  /** Calls in the window before the breaker may open. */
  public static final int BREAKER_MIN_CALLS = 20;
  /**
   * How long a breaker that has just opened refuses calls before letting probes through. Short,
   * because it is also how long a service that recovered at once goes on being refused; each
   * probe round that fails doubles it, up to {@link #BREAKER_MAX_OPEN_FOR} (as linkerd2's
   * failure accrual backs off, from 1 s).
   */
  public static final Duration BREAKER_OPEN_FOR = Duration.ofSeconds(1);
  /**
   * The longest an open breaker refuses calls between probe rounds (Hystrix's sleep window):
   * the longest a recovered service can go on being refused; probes cost little.
   */
  public static final Duration BREAKER_MAX_OPEN_FOR = Duration.ofSeconds(5);
  /** Probe calls let through while half open. */
  public static final int BREAKER_HALF_OPEN_CALLS = 5;

  /** Concurrent requests to one service from one process. */
  public static final int MAX_CONCURRENT_REQUESTS = 1024;

  /** Whether calls stay in the caller's zone while it has enough healthy endpoints. */
  public static final boolean ZONE_PREFERENCE = true;
  /** Healthy share of the local zone's endpoints needed to stay in the zone. */
  public static final int ZONE_MIN_HEALTHY_PERCENT = 70;

  /**
   * Whether callers check each endpoint's health (gRPC's {@code grpc.health.v1}): on, because a
   * server that says it is not serving (draining, warming up) should lose its traffic before
   * calls to it fail, and a server without the health service counts as healthy, so checking
   * costs nothing where it is not used. HTTP checks need a {@link #HEALTH_CHECK_PATH path} too.
   */
  public static final boolean HEALTH_CHECK_ENABLED = true;
  /**
   * The health-check service name: {@code ""}, the server as a whole, which every gRPC health
   * service answers (a per-service name only helps if the server reports that name).
   */
  public static final String HEALTH_CHECK_SERVICE = "";
  /**
   * The HTTP health-check path: {@code ""}, no HTTP probes. Opt-in, because probes reach every
   * endpoint from every client every interval, and only servers that answer the path (such as
   * {@code MeshHttpServer}, on {@code /healthz}) make them worth it; a path the default turned on
   * could also land on an application's own route of the same name.
   */
  public static final String HEALTH_CHECK_PATH = "";
  /**
   * Time between two HTTP probes of an endpoint: 5 s, so a restarted replica is back within
   * seconds instead of its ejection time (30 s or more), at one small request per endpoint and
   * client every 5 s.
   */
  public static final Duration HEALTH_CHECK_INTERVAL = Duration.ofSeconds(5);

  private Defaults() {}
}
