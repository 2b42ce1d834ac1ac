package io.meshwork.core.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.model.CircuitBreakerPolicy;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.internal.Durations;
import io.meshwork.core.model.HealthCheckPolicy;
import io.meshwork.core.model.IdempotentMethods;
import io.meshwork.core.model.LoadBalancerKind;
import io.meshwork.core.model.MeshDocument;
import io.meshwork.core.model.OutlierDetectionPolicy;
import io.meshwork.core.model.RetryBudgetPolicy;
import io.meshwork.core.model.RetryThrottlePolicy;
import io.meshwork.core.model.RetryCondition;
import io.meshwork.core.model.RetryPolicy;
import io.meshwork.core.model.Route;
import io.meshwork.core.model.WeightedTarget;
import io.meshwork.core.model.ZonePreference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Properties of the parser over generated input: whatever the text, it returns a document or
 * throws {@link InvalidDocumentException} naming the source, never anything else; and a valid
 * client policy survives being written as YAML and parsed back.
 */
class MeshDocumentParserPropertiesTest {
  private static final String NAME = "gen.yaml";

  /** Parses {@code text} as a document and as an endpoint; either is accepted or properly refused. */
  private static void parsesOrRefusesProperly(String text) {
    parsesOrRefusesProperly(() -> MeshDocumentParser.parse(new DocumentSource(NAME, text)));
    parsesOrRefusesProperly(() -> MeshDocumentParser.parseEndpoint(new DocumentSource(NAME, text)));
  }

  private static void parsesOrRefusesProperly(Supplier<?> parse) {
    try {
      assertThat(parse.get()).isNotNull();
    } catch (InvalidDocumentException e) {
      assertThat(e.problems()).isNotEmpty().allSatisfy(p -> {
        assertThat(p.source()).isEqualTo(NAME);
        assertThat(p.line()).isNotNegative();
        assertThat(p.message()).doesNotStartWith(MeshDocumentParser.INTERNAL_ERROR);
      });
    }
  }

  // (1) random bytes and strings

  @Property(tries = 500)
  void randomBytesDecodedAsTextAreParsedOrRefused(@ForAll @Size(max = 300) byte[] bytes) {
    parsesOrRefusesProperly(new String(bytes, StandardCharsets.UTF_8));
    parsesOrRefusesProperly(new String(bytes, StandardCharsets.ISO_8859_1));
  }

  @Property(tries = 500)
  void randomUnicodeStringsAreParsedOrRefused(@ForAll @Size(max = 300) String text) {
    parsesOrRefusesProperly(text);
  }

  @Property(tries = 500)
  void randomYamlPunctuationIsParsedOrRefused(@ForAll("yamlish") String text) {
    parsesOrRefusesProperly(text);
  }

  @Provide
  Arbitrary<String> yamlish() {
    return Arbitraries.strings().withChars("{}[]:,-?&*!|>'\"#%@`<= \n\t.~0123456789abcsx\\")
        .ofMaxLength(200);
  }

  // (2) structurally plausible documents

  private static final List<String> KEYS = List.of("mesh", "services", "trustDomain", "tls", "greeter", "a",
      "protocol", "endpoints", "address", "zone", "weight", "labels", "client", "timeout", "retries",
      "maxAttempts", "on", "backoff", "base", "max", "perTryTimeout", "retryBudget", "ratio", "minPerSecond",
      "ttl", "loadBalancer", "hashHeader", "outlierDetection", "enabled", "consecutiveFailures", "baseEjection",
      "maxEjection", "maxEjectedPercent", "panicThreshold", "circuitBreaker", "failureRate", "window",
      "minCalls", "openFor", "maxOpenFor", "halfOpenCalls", "maxConcurrentRequests", "zonePreference", "minHealthyPercent",
      "healthCheck", "service", "path", "interval", "throttle", "maxTokens", "tokenRatio", "idempotentMethods",
      "routes", "name", "match", "headers", "to", "split", "server", "allow", "version", "x-canary",
      "timout", "Greeter", "<<", "", "services.x");
  private static final List<String> SCALARS = List.of("2s", "-2s", "0s", "250ms", "1h", "0", "1", "-1", "3",
      "10000", "10001", "1.5", "0.2", "1e400", "99999999999999999999", "true", "false", "maybe", "null", "~",
      "strict", "permissive", "disabled", "http", "grpc", "peak-ewma", "ring-hash", "round-robin",
      "least-request", "connect-failure", "503", "5xx", "127.0.0.1:8081", "[::1]:80", "localhost", "*",
      "frontend", "v1", "x-user-id", "\"\"", "''", "\"quoted: value\"", "'it''s'", "\"\\u0000\"", "&anchor x",
      "*anchor", "!!binary aGk=", "|\n  literal", ".inf", "0x1F", "+5", "\"503\"", "greeter.Greeter/SayHello",
      "\"greeter.Greeter/*\"", "a/b/c");

  @Property(tries = 500)
  void plausibleDocumentsAreParsedOrRefused(@ForAll("documents") String text) {
    parsesOrRefusesProperly(text);
  }

  @Provide
  Arbitrary<String> documents() {
    return tree(4).map(t -> render(t, 0, true));
  }

  /** A random YAML value of known and unknown keys: a String (a scalar as written), a List or a Map. */
  private Arbitrary<Object> tree(int depth) {
    Arbitrary<Object> scalar = Arbitraries.of(SCALARS).map(s -> s);
    if (depth == 0) {
      return scalar;
    }
    Arbitrary<Object> map = Arbitraries.maps(Arbitraries.of(KEYS), Arbitraries.lazy(() -> tree(depth - 1)))
        .ofMaxSize(5).map(LinkedHashMap::new);
    Arbitrary<Object> list = Arbitraries.lazy(() -> tree(depth - 1)).list().ofMaxSize(4).map(l -> l);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(2, scalar), net.jqwik.api.Tuple.of(5, map), net.jqwik.api.Tuple.of(2, list));
  }

  /** Renders a tree as block YAML (flow style for nested lists, to vary the syntax). */
  private static String render(Object value, int indent, boolean top) {
    String pad = " ".repeat(indent);
    if (value instanceof Map<?, ?> map) {
      if (map.isEmpty()) {
        return top ? "{}\n" : " {}\n";
      }
      StringBuilder b = new StringBuilder(top ? "" : "\n");
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String key = e.getKey().toString();
        b.append(pad).append(key.isEmpty() || key.equals("<<") && e.getValue() instanceof String
            ? "\"" + key + "\"" : key).append(":").append(render(e.getValue(), indent + 2, false));
      }
      return b.toString();
    }
    if (value instanceof List<?> list) {
      if (list.isEmpty()) {
        return top ? "[]\n" : " []\n";
      }
      StringBuilder b = new StringBuilder(top ? "" : "\n");
      for (Object item : list) {
        b.append(pad).append("-").append(render(item, indent + 2, false));
      }
      return b.toString();
    }
    String s = value.toString().replace("\n", "\n" + pad);
    return (top ? "" : " ") + s + "\n";
  }

  @Property(tries = 500)
  void schemaShapedDocumentsWithMutationsAreParsedOrRefused(@ForAll long seed) {
    String text = new SchemaShapedDocument(new Random(seed)).render();
    parsesOrRefusesProperly(text);
  }

  /**
   * Writes a random document that mostly follows the registry schema (known keys at each level,
   * values of roughly the right kind) with some mutations: unknown keys, values of the wrong
   * kind, odd scalars. This reaches deep into the readers, where random trees rarely go.
   */
  static final class SchemaShapedDocument {
    private static final double MUTATION = 0.1;
    private final Random random;
    private final StringBuilder out = new StringBuilder();

    SchemaShapedDocument(Random random) {
      this.random = random;
    }

    String render() {
      Map<String, Object> root = new LinkedHashMap<>();
      maybe(root, "mesh", () -> fields(Map.of("trustDomain", this::word, "tls",
          () -> pick("strict", "permissive", "disabled", "Strict"))));
      maybe(root, "services", () -> {
        Map<String, Object> services = new LinkedHashMap<>();
        for (int i = random.nextInt(4); i > 0; i--) {
          services.put(pick("greeter", "a", "b-1", "x.y", "Bad", "greeter"), value(this::service));
        }
        return services;
      });
      write(root, 0);
      return out.toString();
    }

    private Object service() {
      return fields(Map.of(
          "protocol", () -> pick("http", "grpc", "smtp"),
          "endpoints", () -> list(() -> random.nextBoolean() ? address() : fields(Map.of(
              "address", this::address, "zone", this::word, "weight", this::number,
              "labels", this::labels))),
          "client", this::client,
          "server", () -> fields(Map.of("allow", () -> list(this::word)))));
    }

    private Object client() {
      Map<String, Supplier<Object>> f = new LinkedHashMap<>();
      f.put("timeout", this::duration);
      f.put("retries", () -> fields(Map.of("maxAttempts", this::number,
          "on", () -> list(() -> pick("connect-failure", "503", "429", "unavailable", "5xx", "200", "nope")),
          "backoff", () -> fields(Map.of("base", this::duration, "max", this::duration)),
          "perTryTimeout", this::duration,
          "idempotentMethods", () -> list(() -> pick("greeter.Greeter/SayHello", "\"greeter.Greeter/*\"", "Svc/M",
              "SayHello", "a/b/c", "\"a b/C\"", "\"*/*\"", "\"a.B/Get*\"", "\"a.B/\\u0000\"", "/M", "\"\"",
              "s".repeat(IdempotentMethods.MAX_LENGTH) + "/M")))));
      f.put("retryBudget", () -> fields(Map.of("ratio", () -> pick("0.2", "1", "1e3", "-0.5", "NaN"),
          "minPerSecond", this::number, "ttl", this::duration,
          "throttle", () -> fields(Map.of("enabled", this::bool, "maxTokens", this::number,
              "tokenRatio", () -> pick("0.1", "1", "0", "2", "NaN"))))));
      f.put("loadBalancer", () -> pick("peak-ewma", "least-request", "round-robin", "ring-hash", "random"));
      f.put("hashHeader", this::word);
      f.put("outlierDetection", () -> fields(Map.of("enabled", this::bool, "consecutiveFailures", this::number,
          "baseEjection", this::duration, "maxEjection", this::duration, "maxEjectedPercent", this::number,
          "panicThreshold", this::number)));
      f.put("circuitBreaker", () -> fields(Map.of("enabled", this::bool, "failureRate", this::number,
          "window", this::duration, "minCalls", this::number, "openFor", this::duration,
          "maxOpenFor", this::duration, "halfOpenCalls", this::number)));
      f.put("maxConcurrentRequests", this::number);
      f.put("zonePreference", () -> fields(Map.of("enabled", this::bool, "minHealthyPercent", this::number)));
      f.put("healthCheck", () -> fields(Map.of("enabled", this::bool,
          "service", () -> pick("greeter.Greeter", "\"\"", "''", "\"a\\tb\"", "\"\\u0000\"", "é中", "[ x ]",
              "x".repeat(HealthCheckPolicy.MAX_SERVICE_LENGTH + 1)),
          "path", () -> pick("/healthz", "\"\"", "healthz", "\"/a b\"", "/é", "[ /x ]",
              "/" + "x".repeat(HealthCheckPolicy.MAX_PATH_LENGTH)),
          "interval", this::duration)));
      f.put("routes", () -> list(() -> fields(Map.of("name", this::word,
          "match", () -> fields(Map.of("headers", this::labels)),
          "to", this::labels,
          "split", () -> list(() -> fields(Map.of("to", this::labels, "weight", this::number)))))));
      return fields(f);
    }

    /** A mapping with a random subset of {@code shape}'s fields, sometimes an unknown one. */
    private Object fields(Map<String, Supplier<Object>> shape) {
      Map<String, Object> m = new LinkedHashMap<>();
      List<String> keys = new ArrayList<>(new java.util.TreeSet<>(shape.keySet()));
      java.util.Collections.shuffle(keys, random);
      for (String k : keys.subList(0, random.nextInt(keys.size() + 1))) {
        m.put(k, value(shape.get(k)));
      }
      if (random.nextDouble() < MUTATION) {
        m.put(pick("timout", "extra", "<<", "Zone", "weight"), value(this::word));
      }
      return m;
    }

    /** Usually what {@code expected} gives; sometimes a value of another kind. */
    private Object value(Supplier<Object> expected) {
      double r = random.nextDouble();
      if (r < MUTATION / 3) {
        return pick("~", "[]", "{}", "''", "!!str 5", "- x", "&a 1", "\"\\u0007\"");
      }
      if (r < MUTATION * 2 / 3) {
        return List.of(word());
      }
      if (r < MUTATION) {
        return Map.of(word(), word());
      }
      return expected.get();
    }

    private Object list(Supplier<Object> element) {
      List<Object> l = new ArrayList<>();
      for (int i = random.nextInt(4); i > 0; i--) {
        l.add(value(element));
      }
      return l;
    }

    private Object labels() {
      Map<String, Object> m = new LinkedHashMap<>();
      for (int i = random.nextInt(3); i > 0; i--) {
        m.put(pick("version", "X-Canary", "x-canary", "zone", "\"\""), pick("v1", "v2", "true", "2", "''"));
      }
      return m;
    }

    private Object address() {
      return pick("127.0.0.1:8081", "127.0.0.1:8082", "\"[::1]:80\"", "localhost", "h:0", "h:99999");
    }

    private Object duration() {
      return pick("250ms", "2s", "1m", "1h", "0s", "-2s", "10", "5us", "999999999999h", "1.5s");
    }

    private Object number() {
      return pick("0", "1", "3", "5", "50", "100", "10000", "10001", "-1", "1.5", "three", "99999999999");
    }

    private Object bool() {
      return pick("true", "false", "TRUE", "maybe");
    }

    private Object word() {
      return pick("frontend", "checkout", "'*'", "a", "spiffe://example.org/x", "\"\"", "' '", "é中");
    }

    private String pick(String... options) {
      return options[random.nextInt(options.length)];
    }

    private void maybe(Map<String, Object> m, String key, Supplier<Object> v) {
      if (random.nextInt(5) > 0) {
        m.put(key, value(v));
      }
    }

    private void write(Object value, int indent) {
      String pad = " ".repeat(indent);
      if (value instanceof Map<?, ?> map && !map.isEmpty()) {
        if (random.nextInt(4) == 0) {
          out.append(indent > 0 ? " " : "").append(flow(map)).append('\n');
          return;
        }
        boolean first = true;
        for (Map.Entry<?, ?> e : map.entrySet()) {
          if (!first || indent > 0) {
            out.append(first && indent > 0 ? "\n" : "").append(pad);
          }
          first = false;
          out.append(e.getKey()).append(':');
          if (e.getValue() instanceof Map<?, ?> || e.getValue() instanceof List<?>) {
            write(e.getValue(), indent + 2);
          } else {
            out.append(' ').append(e.getValue()).append('\n');
          }
        }
      } else if (value instanceof List<?> list && !list.isEmpty()) {
        out.append(' ').append(flow(list)).append('\n');
      } else {
        out.append(' ').append(flow(value)).append('\n');
      }
    }

    private static String flow(Object value) {
      if (value instanceof Map<?, ?> map) {
        return map.entrySet().stream().map(e -> e.getKey() + ": " + flow(e.getValue()))
            .collect(Collectors.joining(", ", "{ ", " }"));
      }
      if (value instanceof List<?> list) {
        return list.stream().map(SchemaShapedDocument::flow).collect(Collectors.joining(", ", "[ ", " ]"));
      }
      return value.toString();
    }
  }

  // (3) round trip of client policies

  @Property(tries = 500)
  void aValidClientPolicyWrittenAsYamlParsesBackEqual(@ForAll("clientPolicies") ClientPolicy policy) {
    String yaml = "services:\n  svc:\n    client:\n" + ClientPolicyYaml.render(policy, 6);

    MeshDocument doc = MeshDocumentParser.parse(new DocumentSource(NAME, yaml));

    assertThat(doc.service("svc").client()).as(yaml).isEqualTo(policy);
  }

  @Provide
  Arbitrary<ClientPolicy> clientPolicies() {
    Arbitrary<RetryPolicy> retries = Combinators.combine(
        Arbitraries.integers().between(1, 10),
        Arbitraries.of(RetryCondition.class).set(),
        Arbitraries.integers().between(400, 599).set().ofMaxSize(4),
        duration(1, 5_000),
        Arbitraries.integers().between(0, 5_000),
        duration(1, 60_000).injectNull(0.3),
        idempotentMethods())
        .as((attempts, on, statuses, base, extraMs, perTry, methods) ->
            new RetryPolicy(attempts, on, statuses, base, base.plusMillis(extraMs), perTry, methods));
    Arbitrary<RetryThrottlePolicy> throttle = Combinators.combine(
        Arbitraries.of(true, false), Arbitraries.integers().between(1, 1000),
        Arbitraries.integers().between(1, 1000).map(i -> i / 1000.0))
        .as(RetryThrottlePolicy::new);
    Arbitrary<RetryBudgetPolicy> budget = Combinators.combine(
        Arbitraries.integers().between(0, 100_000).map(i -> i / 100.0),
        Arbitraries.integers().between(0, 100_000),
        Arbitraries.integers().between(1, 60).map(Duration::ofSeconds), throttle)
        .as(RetryBudgetPolicy::new);
    Arbitrary<OutlierDetectionPolicy> outliers = Combinators.combine(
        Arbitraries.of(true, false), Arbitraries.integers().between(1, 1000), duration(1, 600_000),
        Arbitraries.integers().between(0, 600_000), Arbitraries.integers().between(0, 100),
        Arbitraries.integers().between(0, 100))
        .as((on, failures, base, extra, maxPct, panic) ->
            new OutlierDetectionPolicy(on, failures, base, base.plusMillis(extra), maxPct, panic));
    Arbitrary<CircuitBreakerPolicy> breaker = Combinators.combine(
        Arbitraries.of(true, false), Arbitraries.integers().between(1, 100),
        Arbitraries.integers().between(1, 3600).map(Duration::ofSeconds), Arbitraries.integers().between(1, 100_000),
        duration(1, 600_000), Arbitraries.integers().between(0, 600_000), Arbitraries.integers().between(1, 1000))
        .as((on, rate, window, min, open, extra, probes) ->
            new CircuitBreakerPolicy(on, rate, window, min, open, open.plusMillis(extra), probes));
    Arbitrary<ZonePreference> zones = Combinators.combine(
        Arbitraries.of(true, false), Arbitraries.integers().between(1, 100)).as(ZonePreference::new);
    Arbitrary<HealthCheckPolicy> health = Combinators.combine(
        Arbitraries.of(true, false),
        Arbitraries.strings().withCharRange(' ', '~').withChars('é', '中')
            .ofMaxLength(HealthCheckPolicy.MAX_SERVICE_LENGTH),
        Arbitraries.oneOf(Arbitraries.just(""), Arbitraries.strings().withCharRange('!', '~').withChars('é', '中')
            .ofMaxLength(HealthCheckPolicy.MAX_PATH_LENGTH - 1).map(p -> "/" + p)),
        Arbitraries.longs().between(100, 3_600_000).map(Duration::ofMillis))
        .as(HealthCheckPolicy::new);
    Arbitrary<String> header = Arbitraries.strings().withCharRange('a', 'z').withChars('-').ofMinLength(1).ofMaxLength(12);
    Arbitrary<LoadBalancerKind> kind = Arbitraries.of(LoadBalancerKind.class);
    return Combinators.combine(
        duration(1, 3_600_000), retries, budget, kind, header.injectNull(0.5), outliers, breaker,
        Arbitraries.integers().between(1, 1_000_000))
        .as((timeout, r, b, lb, hash, o, cb, max) -> ClientPolicy.builder().timeout(timeout).retries(r)
            .retryBudget(b).loadBalancer(lb).hashHeader(lb == LoadBalancerKind.RING_HASH && hash == null ? "h" : hash)
            .outlierDetection(o).circuitBreaker(cb).maxConcurrentRequests(max))
        .flatMap(builder -> Combinators.combine(zones, health, routes(header)).as((z, h, routes) ->
            builder.zonePreference(z).healthCheck(h).routes(routes).build()));
  }

  /**
   * Up to four gRPC methods or {@code Service/*} entries, with names from plain identifiers to
   * characters YAML must quote (quotes, backslash, colon, hash, brackets, non-ASCII).
   */
  private static Arbitrary<IdempotentMethods> idempotentMethods() {
    Arbitrary<String> name = Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z')
        .withChars('.', '_', '-', '0', '9', 'é', '中', ':', '#', '"', '\'', '\\', '[', ',', '{', '&', '!')
        .ofMinLength(1).ofMaxLength(20);
    Arbitrary<String> entry = Combinators.combine(name, Arbitraries.oneOf(name, Arbitraries.just("*")))
        .as((service, method) -> service + "/" + method);
    return entry.set().ofMaxSize(4).map(IdempotentMethods::of);
  }

  /** Whole durations in us, ms, s, m or h, so that they are written exactly. */
  private static Arbitrary<Duration> duration(long minMillis, long maxMillis) {
    return Arbitraries.longs().between(minMillis, maxMillis).flatMap(ms -> Arbitraries.of(
        Duration.ofMillis(ms), Duration.ofNanos(ms * 1_000), Duration.ofSeconds(Math.max(1, ms / 1000))));
  }

  private static Arbitrary<List<Route>> routes(Arbitrary<String> header) {
    Arbitrary<String> text = Arbitraries.strings().withCharRange(' ', '~').withChars('é', '中', '\t')
        .ofMaxLength(10);
    Arbitrary<String> label = Arbitraries.strings().withCharRange('a', 'z').withChars('.', '/', '-', '_')
        .ofMinLength(1).ofMaxLength(8);
    Arbitrary<Map<String, String>> selector = Arbitraries.maps(label, text).ofMaxSize(3);
    Arbitrary<List<WeightedTarget>> split = Combinators.combine(selector, Arbitraries.integers().between(0, 10_000))
        .as(WeightedTarget::new).list().ofMinSize(1).ofMaxSize(3)
        .filter(l -> l.stream().mapToInt(WeightedTarget::weight).sum() > 0);
    Arbitrary<Map<String, String>> headers = Arbitraries.maps(header, text).ofMaxSize(2);
    Arbitrary<Route> route = Combinators.combine(text.filter(s -> !s.isBlank()), headers, split).as(Route::new);
    return route.list().ofMaxSize(3).uniqueElements(Route::name);
  }

  /** Writes a {@link ClientPolicy} in the document's syntax, every field explicitly. */
  static final class ClientPolicyYaml {
    private ClientPolicyYaml() {}

    static String render(ClientPolicy c, int indent) {
      String p = " ".repeat(indent);
      List<String> lines = new ArrayList<>();
      lines.add("timeout: " + Durations.format(c.timeout()));
      RetryPolicy r = c.retries();
      List<String> on = new ArrayList<>();
      r.on().forEach(cond -> on.add(quote(cond.documentName())));
      r.onStatus().forEach(s -> on.add(on.size() % 2 == 0 ? s.toString() : "\"" + s + "\""));
      lines.add("retries:");
      lines.add("  maxAttempts: " + r.maxAttempts());
      lines.add("  on: [" + String.join(", ", on) + "]");
      lines.add("  backoff: { base: " + Durations.format(r.backoffBase()) + ", max: "
          + Durations.format(r.backoffMax()) + " }");
      if (r.perTryTimeout() != null) {
        lines.add("  perTryTimeout: " + Durations.format(r.perTryTimeout()));
      }
      if (!r.idempotentMethods().isEmpty() || r.maxAttempts() % 2 == 0) {
        // Plain where YAML allows it (greeter.Greeter/*), quoted otherwise; [] for none.
        lines.add("  idempotentMethods: [" + r.idempotentMethods().names().stream()
            .map(m -> m.matches("[A-Za-z0-9_.]+/([A-Za-z0-9_]+|\\*)") ? m : quote(m))
            .collect(Collectors.joining(", ")) + "]");
      }
      RetryBudgetPolicy b = c.retryBudget();
      lines.add("retryBudget: { ratio: " + b.ratio() + ", minPerSecond: " + b.minPerSecond() + ", ttl: "
          + Durations.format(b.ttl()) + ", throttle: { enabled: " + b.throttle().enabled() + ", maxTokens: "
          + b.throttle().maxTokens() + ", tokenRatio: " + b.throttle().tokenRatio() + " } }");
      lines.add("loadBalancer: " + c.loadBalancer().documentName());
      if (c.hashHeader() != null) {
        lines.add("hashHeader: " + quote(c.hashHeader()));
      }
      OutlierDetectionPolicy o = c.outlierDetection();
      lines.add("outlierDetection: { enabled: " + o.enabled() + ", consecutiveFailures: " + o.consecutiveFailures()
          + ", baseEjection: " + Durations.format(o.baseEjection()) + ", maxEjection: "
          + Durations.format(o.maxEjection()) + ", maxEjectedPercent: " + o.maxEjectedPercent()
          + ", panicThreshold: " + o.panicThresholdPercent() + " }");
      CircuitBreakerPolicy cb = c.circuitBreaker();
      lines.add("circuitBreaker:");
      lines.add("  enabled: " + cb.enabled());
      lines.add("  failureRate: " + cb.failureRate());
      lines.add("  window: " + Durations.format(cb.window()));
      lines.add("  minCalls: " + cb.minCalls());
      lines.add("  openFor: " + Durations.format(cb.openFor()));
      lines.add("  maxOpenFor: " + Durations.format(cb.maxOpenFor()));
      lines.add("  halfOpenCalls: " + cb.halfOpenCalls());
      lines.add("maxConcurrentRequests: " + c.maxConcurrentRequests());
      lines.add("zonePreference: { enabled: " + c.zonePreference().enabled() + ", minHealthyPercent: "
          + c.zonePreference().minHealthyPercent() + " }");
      lines.add("healthCheck: { enabled: " + c.healthCheck().enabled() + ", service: "
          + quote(c.healthCheck().service()) + ", path: " + quote(c.healthCheck().path()) + ", interval: "
          + Durations.format(c.healthCheck().interval()) + " }");
      lines.add("routes:" + (c.routes().isEmpty() ? " []" : ""));
      for (Route route : c.routes()) {
        lines.add("  - name: " + quote(route.name()));
        lines.add("    match: { headers: " + map(route.matchHeaders()) + " }");
        if (route.split().size() == 1 && route.split().get(0).weight() == 1) {
          lines.add("    to: " + map(route.split().get(0).to()));
        } else {
          lines.add("    split:");
          for (WeightedTarget t : route.split()) {
            lines.add("      - { to: " + map(t.to()) + ", weight: " + t.weight() + " }");
          }
        }
      }
      return lines.stream().map(l -> p + l + "\n").collect(Collectors.joining());
    }

    private static String map(Map<String, String> m) {
      return m.entrySet().stream().map(e -> quote(e.getKey()) + ": " + quote(e.getValue()))
          .collect(Collectors.joining(", ", "{ ", " }"));
    }

    /** A YAML double-quoted string. */
    static String quote(String s) {
      StringBuilder b = new StringBuilder("\"");
      for (char ch : s.toCharArray()) {
        switch (ch) {
          case '"' -> b.append("\\\"");
          case '\\' -> b.append("\\\\");
          case '\t' -> b.append("\\t");
          default -> b.append(ch);
        }
      }
      return b.append('"').toString();
    }
  }

  @Example
  void theDefaultPolicyWrittenAsYamlParsesBackEqual() {
    String yaml = "services:\n  svc:\n    client:\n" + ClientPolicyYaml.render(ClientPolicy.DEFAULT, 6);
    assertThat(MeshDocumentParser.parse(new DocumentSource(NAME, yaml)).service("svc").client())
        .isEqualTo(ClientPolicy.DEFAULT);
  }
}
