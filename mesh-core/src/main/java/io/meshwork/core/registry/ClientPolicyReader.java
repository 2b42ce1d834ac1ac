package io.meshwork.core.registry;

import io.meshwork.core.model.CircuitBreakerPolicy;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Defaults;
import io.meshwork.core.model.HealthCheckPolicy;
import io.meshwork.core.model.IdempotentMethods;
import io.meshwork.core.model.LoadBalancerKind;
import io.meshwork.core.model.OutlierDetectionPolicy;
import io.meshwork.core.model.RetryBudgetPolicy;
import io.meshwork.core.model.RetryThrottlePolicy;
import io.meshwork.core.model.RetryCondition;
import io.meshwork.core.model.RetryPolicy;
import io.meshwork.core.model.Route;
import io.meshwork.core.model.ZonePreference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads a service's {@code client:} section, how callers call it. Every sub-section starts
 * from its model's {@code DEFAULT}, so {@code retries: { maxAttempts: 5 }} keeps the default
 * backoff.
 */
final class ClientPolicyReader {
  private static final List<String> FIELDS = List.of("timeout", "retries", "retryBudget", "loadBalancer",
      "hashHeader", "outlierDetection", "circuitBreaker", "maxConcurrentRequests", "zonePreference", "healthCheck",
      "routes");
  private static final List<String> RETRY_FIELDS =
      List.of("maxAttempts", "on", "backoff", "perTryTimeout", "idempotentMethods");
  private static final String IDEMPOTENT_METHOD =
      "a gRPC method such as greeter.Greeter/SayHello, or greeter.Greeter/* for all of a service's methods";
  private static final List<String> BACKOFF_FIELDS = List.of("base", "max");
  private static final List<String> BUDGET_FIELDS = List.of("ratio", "minPerSecond", "ttl", "throttle");
  private static final List<String> THROTTLE_FIELDS = List.of("enabled", "maxTokens", "tokenRatio");
  private static final List<String> OUTLIER_FIELDS = List.of("enabled", "consecutiveFailures", "baseEjection",
      "maxEjection", "maxEjectedPercent", "panicThreshold");
  private static final List<String> BREAKER_FIELDS = List.of("enabled", "failureRate", "window", "minCalls",
      "openFor", "maxOpenFor", "halfOpenCalls");
  private static final List<String> ZONE_FIELDS = List.of("enabled", "minHealthyPercent");
  private static final List<String> HEALTH_FIELDS = List.of("enabled", "service", "path", "interval");
  private static final Pattern STATUS_CODE = Pattern.compile("[0-9]{3}");
  private static final int MIN_RETRY_STATUS = 400;
  private static final int MAX_RETRY_STATUS = 599;

  private final NodeReader reader;
  private final RouteReader routes;

  ClientPolicyReader(NodeReader reader) {
    this.reader = reader;
    this.routes = new RouteReader(reader);
  }

  /** The client policy written at {@code node} (null: the default), or empty. */
  Optional<ClientPolicy> read(Node node, String path) {
    return reader.fields(node, path, FIELDS, "a client policy: a mapping with " + String.join(", ", FIELDS))
        .flatMap(this::client);
  }

  private Optional<ClientPolicy> client(Fields f) {
    ClientPolicy d = ClientPolicy.DEFAULT;
    Duration timeout = f.duration("timeout", d.timeout());
    RetryPolicy retries = f.object("retries", d.retries(), this::retries);
    RetryBudgetPolicy budget = f.object("retryBudget", d.retryBudget(), this::retryBudget);
    LoadBalancerKind loadBalancer = f.parsed("loadBalancer", d.loadBalancer(),
        Choices.list(LoadBalancerKind.values(), LoadBalancerKind::documentName), LoadBalancerKind::fromDocumentName);
    String hashHeader = f.string("hashHeader", d.hashHeader());
    OutlierDetectionPolicy outliers = f.object("outlierDetection", d.outlierDetection(), this::outlierDetection);
    CircuitBreakerPolicy breaker = f.object("circuitBreaker", d.circuitBreaker(), this::circuitBreaker);
    int maxConcurrent = f.integer("maxConcurrentRequests", d.maxConcurrentRequests());
    ZonePreference zones = f.object("zonePreference", d.zonePreference(), this::zonePreference);
    HealthCheckPolicy health = f.object("healthCheck", d.healthCheck(), this::healthCheck);
    List<Route> routeList = f.object("routes", d.routes(), routes::read);
    return f.build("", () -> ClientPolicy.builder()
        .timeout(timeout)
        .retries(retries)
        .retryBudget(budget)
        .loadBalancer(loadBalancer)
        .hashHeader(hashHeader)
        .outlierDetection(outliers)
        .circuitBreaker(breaker)
        .maxConcurrentRequests(maxConcurrent)
        .zonePreference(zones)
        .healthCheck(health)
        .routes(routeList)
        .build());
  }

  private Optional<RetryPolicy> retries(Node node, String path) {
    return reader.fields(node, path, RETRY_FIELDS, "a mapping with " + String.join(", ", RETRY_FIELDS))
        .flatMap(f -> {
          RetryPolicy d = RetryPolicy.DEFAULT;
          int maxAttempts = f.integer("maxAttempts", d.maxAttempts());
          RetryOn on = f.object("on", new RetryOn(d.on(), d.onStatus()), this::retryOn);
          Backoff backoff = f.object("backoff", new Backoff(d.backoffBase(), d.backoffMax()), this::backoff);
          Duration perTryTimeout = f.optionalDuration("perTryTimeout").orElse(d.perTryTimeout());
          IdempotentMethods idempotent = f.object("idempotentMethods", d.idempotentMethods(), this::idempotentMethods);
          return f.build("retries", () -> new RetryPolicy(maxAttempts, on.conditions(), on.statuses(),
              backoff.base(), backoff.max(), perTryTimeout, idempotent));
        });
  }

  /** {@code retries.idempotentMethods}: gRPC methods, each entry checked (and reported) on its own line. */
  private Optional<IdempotentMethods> idempotentMethods(Node node, String path) {
    Optional<SequenceNode> seq = reader.list(node, path, "a list of gRPC methods such as greeter.Greeter/SayHello"
        + " or greeter.Greeter/*");
    if (seq.isEmpty()) {
      return Optional.empty();
    }
    int before = reader.problems().count();
    List<String> names = new ArrayList<>();
    List<Node> items = seq.get().getValue();
    for (int i = 0; i < items.size(); i++) {
      reader.parsed(items.get(i), NodeReader.element(path, i), IDEMPOTENT_METHOD, IdempotentMethods::check)
          .ifPresent(names::add);
    }
    return reader.problems().count() > before ? Optional.empty() : Optional.of(IdempotentMethods.of(names));
  }

  /** What {@code retries.on} lists: named conditions and HTTP status codes. */
  private record RetryOn(Set<RetryCondition> conditions, Set<Integer> statuses) {}

  private Optional<RetryOn> retryOn(Node node, String path) {
    Optional<SequenceNode> seq = reader.list(node, path,
        "a list of HTTP status codes and conditions such as connect-failure");
    if (seq.isEmpty()) {
      return Optional.empty();
    }
    int before = reader.problems().count();
    Set<RetryCondition> conditions = EnumSet.noneOf(RetryCondition.class);
    Set<Integer> statuses = new LinkedHashSet<>();
    List<Node> items = seq.get().getValue();
    for (int i = 0; i < items.size(); i++) {
      Node item = items.get(i);
      String itemPath = NodeReader.element(path, i);
      Optional<String> text = reader.text(item, itemPath, "an HTTP status code or a condition such as connect-failure");
      if (text.isEmpty()) {
        continue;
      }
      String t = text.get().trim();
      if (STATUS_CODE.matcher(t).matches()
          && Integer.parseInt(t) >= MIN_RETRY_STATUS && Integer.parseInt(t) <= MAX_RETRY_STATUS) {
        statuses.add(Integer.parseInt(t));
      } else {
        reader.parsed(item, itemPath, "an HTTP status code from 400 to 599 or a condition",
            RetryCondition::fromDocumentName).ifPresent(conditions::add);
      }
    }
    return reader.problems().count() > before ? Optional.empty() : Optional.of(new RetryOn(conditions, statuses));
  }

  /** What {@code retries.backoff} says; the model checks that max is at least base. */
  private record Backoff(Duration base, Duration max) {}

  private Optional<Backoff> backoff(Node node, String path) {
    return reader.fields(node, path, BACKOFF_FIELDS, "a mapping with base and max").flatMap(f -> {
      Duration base = f.duration("base", RetryPolicy.DEFAULT.backoffBase());
      Duration max = f.duration("max", RetryPolicy.DEFAULT.backoffMax());
      return f.failed() ? Optional.empty() : Optional.of(new Backoff(base, max));
    });
  }

  private Optional<RetryBudgetPolicy> retryBudget(Node node, String path) {
    return reader.fields(node, path, BUDGET_FIELDS, "a mapping with " + String.join(", ", BUDGET_FIELDS))
        .flatMap(f -> {
          RetryBudgetPolicy d = RetryBudgetPolicy.DEFAULT;
          double ratio = f.number("ratio", d.ratio());
          int minPerSecond = f.integer("minPerSecond", d.minPerSecond());
          Duration ttl = f.duration("ttl", d.ttl());
          RetryThrottlePolicy throttle = f.object("throttle", d.throttle(), this::throttle);
          return f.build("retryBudget", () -> new RetryBudgetPolicy(ratio, minPerSecond, ttl, throttle));
        });
  }

  private Optional<RetryThrottlePolicy> throttle(Node node, String path) {
    return reader.fields(node, path, THROTTLE_FIELDS, "a mapping with " + String.join(", ", THROTTLE_FIELDS))
        .flatMap(f -> {
          RetryThrottlePolicy d = RetryThrottlePolicy.DEFAULT;
          boolean enabled = f.bool("enabled", d.enabled());
          int maxTokens = f.integer("maxTokens", d.maxTokens());
          double tokenRatio = f.number("tokenRatio", d.tokenRatio());
          return f.build("retryBudget.throttle", () -> new RetryThrottlePolicy(enabled, maxTokens, tokenRatio));
        });
  }

  private Optional<OutlierDetectionPolicy> outlierDetection(Node node, String path) {
    return reader.fields(node, path, OUTLIER_FIELDS, "a mapping with " + String.join(", ", OUTLIER_FIELDS))
        .flatMap(f -> {
          OutlierDetectionPolicy d = OutlierDetectionPolicy.DEFAULT;
          boolean enabled = f.bool("enabled", d.enabled());
          int failures = f.integer("consecutiveFailures", d.consecutiveFailures());
          Duration base = f.duration("baseEjection", d.baseEjection());
          Duration max = f.duration("maxEjection", d.maxEjection());
          int maxPercent = f.integer("maxEjectedPercent", d.maxEjectedPercent());
          int panic = f.integer("panicThreshold", d.panicThresholdPercent());
          return f.build("outlierDetection",
              () -> new OutlierDetectionPolicy(enabled, failures, base, max, maxPercent, panic));
        });
  }

  private Optional<CircuitBreakerPolicy> circuitBreaker(Node node, String path) {
    return reader.fields(node, path, BREAKER_FIELDS, "a mapping with " + String.join(", ", BREAKER_FIELDS))
        .flatMap(f -> {
          CircuitBreakerPolicy d = CircuitBreakerPolicy.DEFAULT;
          boolean enabled = f.bool("enabled", d.enabled());
          int failureRate = f.integer("failureRate", d.failureRate());
          Duration window = f.duration("window", d.window());
          int minCalls = f.integer("minCalls", d.minCalls());
          Duration openFor = f.duration("openFor", d.openFor());
          Duration maxOpenFor = f.duration("maxOpenFor", CircuitBreakerPolicy.defaultMaxOpenFor(openFor));
          int halfOpenCalls = f.integer("halfOpenCalls", d.halfOpenCalls());
          return f.build("circuitBreaker", () -> new CircuitBreakerPolicy(
              enabled, failureRate, window, minCalls, openFor, maxOpenFor, halfOpenCalls));
        });
  }

  private Optional<ZonePreference> zonePreference(Node node, String path) {
    return reader.fields(node, path, ZONE_FIELDS, "a mapping with enabled and minHealthyPercent").flatMap(f -> {
      boolean enabled = f.bool("enabled", Defaults.ZONE_PREFERENCE);
      int minHealthy = f.integer("minHealthyPercent", Defaults.ZONE_MIN_HEALTHY_PERCENT);
      return f.build("zonePreference", () -> new ZonePreference(enabled, minHealthy));
    });
  }

  private Optional<HealthCheckPolicy> healthCheck(Node node, String path) {
    return reader.fields(node, path, HEALTH_FIELDS, "a mapping with enabled, service, path and interval")
        .flatMap(f -> {
          HealthCheckPolicy d = HealthCheckPolicy.DEFAULT;
          boolean enabled = f.bool("enabled", d.enabled());
          String service = f.string("service", d.service());
          String checkPath = f.string("path", d.path());
          Duration interval = f.duration("interval", d.interval());
          return f.build("healthCheck", () -> new HealthCheckPolicy(enabled, service, checkPath, interval));
        });
  }
}
