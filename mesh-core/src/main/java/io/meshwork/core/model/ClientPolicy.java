package io.meshwork.core.model;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How callers call a service. Build with {@link #builder()}; {@link #DEFAULT} holds the
 * defaults of {@link Defaults}.
 *
 * @param timeout the whole call's timeout; the effective deadline is the sooner of this and
 *     the deadline inherited from the caller's context
 * @param retries which failures are retried, how often, with what backoff
 * @param retryBudget caps retries as a share of requests
 * @param loadBalancer the algorithm that picks an endpoint
 * @param hashHeader for {@link LoadBalancerKind#RING_HASH}: the request header hashed
 *     (lower case); {@code null} otherwise
 * @param outlierDetection per-endpoint ejection
 * @param circuitBreaker service-level breaker
 * @param maxConcurrentRequests concurrent calls from this process, 1 to 1000000
 * @param zonePreference stay in the caller's zone while it is healthy enough
 * @param healthCheck client-side health checking of endpoints (gRPC; informational for HTTP,
 *     which has no active health checking)
 * @param routes routing rules, tried in order
 */
public record ClientPolicy(
    Duration timeout,
    RetryPolicy retries,
    RetryBudgetPolicy retryBudget,
    LoadBalancerKind loadBalancer,
    String hashHeader,
    OutlierDetectionPolicy outlierDetection,
    CircuitBreakerPolicy circuitBreaker,
    int maxConcurrentRequests,
    ZonePreference zonePreference,
    HealthCheckPolicy healthCheck,
    List<Route> routes) {

  public static final ClientPolicy DEFAULT = builder().build();

  public ClientPolicy {
    Check.positive("timeout", timeout);
    Check.notNull("retries", retries);
    Check.notNull("retryBudget", retryBudget);
    Check.notNull("loadBalancer", loadBalancer);
    if (loadBalancer == LoadBalancerKind.RING_HASH && (hashHeader == null || hashHeader.isBlank())) {
      throw new IllegalArgumentException(
          "hashHeader: missing (expected: a request header name when loadBalancer is ring-hash)");
    }
    if (hashHeader != null) {
      hashHeader = hashHeader.toLowerCase(java.util.Locale.ROOT);
    }
    Check.notNull("outlierDetection", outlierDetection);
    Check.notNull("circuitBreaker", circuitBreaker);
    Check.range("maxConcurrentRequests", maxConcurrentRequests, 1, 1_000_000);
    Check.notNull("zonePreference", zonePreference);
    Check.notNull("healthCheck", healthCheck);
    routes = List.copyOf(Check.notNull("routes", routes));
    Set<String> names = new HashSet<>();
    for (Route r : routes) {
      if (!names.add(r.name())) {
        throw new IllegalArgumentException("routes: duplicate route name '" + r.name() + "' (expected: unique names)");
      }
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder that starts from this policy. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.timeout = timeout;
    b.retries = retries;
    b.retryBudget = retryBudget;
    b.loadBalancer = loadBalancer;
    b.hashHeader = hashHeader;
    b.outlierDetection = outlierDetection;
    b.circuitBreaker = circuitBreaker;
    b.maxConcurrentRequests = maxConcurrentRequests;
    b.zonePreference = zonePreference;
    b.healthCheck = healthCheck;
    b.routes = new ArrayList<>(routes);
    return b;
  }

  /** Builds a {@link ClientPolicy}; its fields start at the defaults. */
  public static final class Builder {
    private Duration timeout = Defaults.TIMEOUT;
    private RetryPolicy retries = RetryPolicy.DEFAULT;
    private RetryBudgetPolicy retryBudget = RetryBudgetPolicy.DEFAULT;
    private LoadBalancerKind loadBalancer = Defaults.LOAD_BALANCER;
    private String hashHeader;
    private OutlierDetectionPolicy outlierDetection = OutlierDetectionPolicy.DEFAULT;
    private CircuitBreakerPolicy circuitBreaker = CircuitBreakerPolicy.DEFAULT;
    private int maxConcurrentRequests = Defaults.MAX_CONCURRENT_REQUESTS;
    private ZonePreference zonePreference = ZonePreference.DEFAULT;
    private HealthCheckPolicy healthCheck = HealthCheckPolicy.DEFAULT;
    private List<Route> routes = new ArrayList<>();

    private Builder() {}

    public Builder timeout(Duration v) { this.timeout = v; return this; }
    public Builder retries(RetryPolicy v) { this.retries = v; return this; }
    public Builder retryBudget(RetryBudgetPolicy v) { this.retryBudget = v; return this; }
    public Builder loadBalancer(LoadBalancerKind v) { this.loadBalancer = v; return this; }
    public Builder hashHeader(String v) { this.hashHeader = v; return this; }
    public Builder outlierDetection(OutlierDetectionPolicy v) { this.outlierDetection = v; return this; }
    public Builder circuitBreaker(CircuitBreakerPolicy v) { this.circuitBreaker = v; return this; }
    public Builder maxConcurrentRequests(int v) { this.maxConcurrentRequests = v; return this; }
    public Builder zonePreference(ZonePreference v) { this.zonePreference = v; return this; }
    public Builder healthCheck(HealthCheckPolicy v) { this.healthCheck = v; return this; }
    public Builder routes(List<Route> v) { this.routes = new ArrayList<>(v); return this; }
    public Builder addRoute(Route v) { this.routes.add(v); return this; }

    public ClientPolicy build() {
      return new ClientPolicy(timeout, retries, retryBudget, loadBalancer, hashHeader,
          outlierDetection, circuitBreaker, maxConcurrentRequests, zonePreference, healthCheck, routes);
    }
  }
}
