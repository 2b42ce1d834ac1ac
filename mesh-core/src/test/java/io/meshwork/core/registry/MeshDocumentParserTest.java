package io.meshwork.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.meshwork.core.model.Address;
import io.meshwork.core.model.CircuitBreakerPolicy;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Defaults;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.HealthCheckPolicy;
import io.meshwork.core.model.IdempotentMethods;
import io.meshwork.core.model.LoadBalancerKind;
import io.meshwork.core.model.MeshDocument;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.OutlierDetectionPolicy;
import io.meshwork.core.model.Protocol;
import io.meshwork.core.model.RetryBudgetPolicy;
import io.meshwork.core.model.RetryThrottlePolicy;
import io.meshwork.core.model.RetryCondition;
import io.meshwork.core.model.RetryPolicy;
import io.meshwork.core.model.Route;
import io.meshwork.core.model.ServerPolicy;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.model.WeightedTarget;
import io.meshwork.core.model.ZonePreference;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Documents the parser accepts, and the values and defaults they give. */
class MeshDocumentParserTest {

  private static MeshDocument parse(String yaml) {
    return MeshDocumentParser.parse(new DocumentSource("mesh.yaml", yaml));
  }

  static final String FULL = """
      mesh:
        trustDomain: example.org
        tls: strict
      services:
        greeter:
          protocol: grpc
          endpoints:
            - { address: 127.0.0.1:8081, zone: a, labels: { version: v1 }, weight: 10 }
            - address: "[::1]:8082"
              zone: b
              labels:
                version: v2
                track: canary
            - greeter-3.internal:443
          client:
            timeout: 2s
            retries: { maxAttempts: 4, on: [connect-failure, "503", 429, unavailable, reset], backoff: { base: 20ms, max: 1s }, perTryTimeout: 500ms, idempotentMethods: [ greeter.Greeter/SayHello, "admin.Admin/*" ] }
            retryBudget: { ratio: 0.25, minPerSecond: 7, ttl: 15s, throttle: { maxTokens: 20, tokenRatio: 0.2 } }
            loadBalancer: ring-hash
            hashHeader: X-User-Id
            outlierDetection: { enabled: false, consecutiveFailures: 7, baseEjection: 10s, maxEjection: 2m, maxEjectedPercent: 40, panicThreshold: 30 }
            circuitBreaker: { enabled: false, failureRate: 60, window: 30s, minCalls: 25, openFor: 15s, halfOpenCalls: 3 }
            maxConcurrentRequests: 512
            zonePreference: { enabled: false, minHealthyPercent: 80 }
            healthCheck: { enabled: false, service: greeter.Greeter, path: /healthz, interval: 200ms }
            routes:
              - name: canary
                match: { headers: { X-Canary: "true" } }
                to: { version: v2 }
              - split: [ { to: { version: v1 }, weight: 90 }, { to: { version: v2 }, weight: 10 } ]
          server:
            allow: [ frontend, checkout, "spiffe://example.org/ns/default/sa/admin" ]
        frontend:
          endpoints: [ 10.0.0.1:80 ]
      """;

  @Test
  void everyFieldOfAFullDocumentIsParsed() {
    MeshDocument doc = parse(FULL);

    assertThat(doc.mesh()).isEqualTo(new MeshSettings("example.org", TlsMode.STRICT));
    assertThat(doc.services()).containsOnlyKeys("greeter", "frontend");

    ServiceConfig greeter = doc.services().get("greeter");
    assertThat(greeter.name()).isEqualTo("greeter");
    assertThat(greeter.protocol()).isEqualTo(Protocol.GRPC);
    assertThat(greeter.endpoints()).containsExactly(
        new Endpoint(new Address("127.0.0.1", 8081), "a", 10, Map.of("version", "v1")),
        new Endpoint(new Address("::1", 8082), "b", 1, Map.of("version", "v2", "track", "canary")),
        new Endpoint(new Address("greeter-3.internal", 443), "", 1, Map.of()));

    ClientPolicy client = greeter.client();
    assertThat(client.timeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(client.retries()).isEqualTo(new RetryPolicy(4,
        Set.of(RetryCondition.CONNECT_FAILURE, RetryCondition.UNAVAILABLE, RetryCondition.RESET),
        Set.of(503, 429), Duration.ofMillis(20), Duration.ofSeconds(1), Duration.ofMillis(500),
        IdempotentMethods.of("greeter.Greeter/SayHello", "admin.Admin/*")));
    assertThat(client.retryBudget()).isEqualTo(
        new RetryBudgetPolicy(0.25, 7, Duration.ofSeconds(15), new RetryThrottlePolicy(true, 20, 0.2)));
    assertThat(client.loadBalancer()).isEqualTo(LoadBalancerKind.RING_HASH);
    assertThat(client.hashHeader()).isEqualTo("x-user-id");
    assertThat(client.outlierDetection()).isEqualTo(new OutlierDetectionPolicy(
        false, 7, Duration.ofSeconds(10), Duration.ofMinutes(2), 40, 30));
    assertThat(client.circuitBreaker()).isEqualTo(new CircuitBreakerPolicy(
        false, 60, Duration.ofSeconds(30), 25, Duration.ofSeconds(15), 3));
    assertThat(client.maxConcurrentRequests()).isEqualTo(512);
    assertThat(client.zonePreference()).isEqualTo(new ZonePreference(false, 80));
    assertThat(client.healthCheck())
        .isEqualTo(new HealthCheckPolicy(false, "greeter.Greeter", "/healthz", Duration.ofMillis(200)));
    assertThat(client.routes()).containsExactly(
        Route.to("canary", Map.of("x-canary", "true"), Map.of("version", "v2")),
        new Route("route-2", Map.of(), List.of(
            new WeightedTarget(Map.of("version", "v1"), 90), new WeightedTarget(Map.of("version", "v2"), 10))));

    assertThat(greeter.server()).isEqualTo(
        new ServerPolicy(List.of("frontend", "checkout", "spiffe://example.org/ns/default/sa/admin")));

    assertThat(doc.services().get("frontend")).isEqualTo(ServiceConfig.of("frontend", Endpoint.of("10.0.0.1:80")));
  }

  @Test
  void theExampleOfTheDesignDocumentIsAccepted() {
    MeshDocument doc = parse("""
        mesh:
          trustDomain: example.org
          tls: strict                     # strict | permissive | disabled
        services:
          greeter:
            protocol: http                # http | grpc
            endpoints:
              - { address: 127.0.0.1:8081, zone: a, labels: { version: v1 } }
              - { address: 127.0.0.1:8082, zone: b, labels: { version: v2 }, weight: 10 }
            client:                       # how callers call greeter
              timeout: 2s
              retries: { maxAttempts: 3, on: [connect-failure, "503", unavailable], backoff: { base: 25ms, max: 250ms } }
              retryBudget: { ratio: 0.2, minPerSecond: 10, ttl: 10s }
              loadBalancer: peak-ewma     # peak-ewma | least-request | round-robin | ring-hash
              outlierDetection: { consecutiveFailures: 5, baseEjection: 30s, maxEjectedPercent: 50 }
              circuitBreaker: { failureRate: 50, window: 20s, minCalls: 20, openFor: 10s }
              maxConcurrentRequests: 1024
              routes:
                - match: { headers: { x-canary: "true" } }
                  to: { version: v2 }
                - split: [ { to: { version: v1 }, weight: 90 }, { to: { version: v2 }, weight: 10 } ]
            server:                       # how greeter accepts calls
              allow: [ frontend, checkout ]   # caller services (their mTLS identities)
        """);

    ClientPolicy client = doc.service("greeter").client();
    assertThat(client.retries().onStatus()).containsExactly(503);
    assertThat(client.outlierDetection()).isEqualTo(OutlierDetectionPolicy.DEFAULT);
    assertThat(client.circuitBreaker()).isEqualTo(new CircuitBreakerPolicy(true, 50, Duration.ofSeconds(20), 20,
        Duration.ofSeconds(10), Defaults.BREAKER_HALF_OPEN_CALLS));
    assertThat(client.routes()).extracting(Route::name).containsExactly("route-1", "route-2");
  }

  @Test
  void aServiceWithOnlyEndpointsGetsEveryDefault() {
    MeshDocument doc = parse("""
        services:
          greeter:
            endpoints: [ "127.0.0.1:8081", { address: 127.0.0.1:8082 } ]
        """);

    ServiceConfig greeter = doc.service("greeter");
    assertThat(doc.mesh()).isEqualTo(MeshSettings.DEFAULT);
    assertThat(doc.mesh().trustDomain()).isEqualTo(Defaults.TRUST_DOMAIN);
    assertThat(doc.mesh().tls()).isEqualTo(Defaults.TLS_MODE);
    assertThat(greeter.protocol()).isEqualTo(Defaults.PROTOCOL);
    assertThat(greeter.client()).isEqualTo(ClientPolicy.DEFAULT);
    assertThat(greeter.client().healthCheck()).isEqualTo(new HealthCheckPolicy(true, ""));
    assertThat(greeter.server()).isEqualTo(ServerPolicy.DEFAULT);
    assertThat(greeter.endpoints()).containsExactly(Endpoint.of("127.0.0.1:8081"), Endpoint.of("127.0.0.1:8082"));
    assertThat(greeter.endpoints()).allSatisfy(e -> {
      assertThat(e.weight()).isEqualTo(Defaults.ENDPOINT_WEIGHT);
      assertThat(e.zone()).isEmpty();
      assertThat(e.labels()).isEmpty();
    });
  }

  @Test
  void theBreakersOpenTimeGrowsToMaxOpenForWhichDefaultsFromOpenFor() {
    MeshDocument doc = parse("""
        services:
          defaults:  { client: { circuitBreaker: { enabled: true } } }
          short:     { client: { circuitBreaker: { openFor: 2s } } }
          long:      { client: { circuitBreaker: { openFor: 30s } } }
          explicit:  { client: { circuitBreaker: { openFor: 2s, maxOpenFor: 1m } } }
        """);

    assertThat(doc.service("defaults").client().circuitBreaker())
        .extracting(CircuitBreakerPolicy::openFor, CircuitBreakerPolicy::maxOpenFor)
        .containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(5));
    assertThat(doc.service("short").client().circuitBreaker().maxOpenFor()).as("grows to the default cap")
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(doc.service("long").client().circuitBreaker().maxOpenFor()).as("a longer openFor stays fixed")
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(doc.service("explicit").client().circuitBreaker().maxOpenFor()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void aPartialSectionKeepsTheDefaultsOfTheFieldsItLeavesOut() {
    ClientPolicy client = parse("""
        services:
          greeter:
            client:
              retries: { maxAttempts: 5 }
              outlierDetection: { enabled: false }
              circuitBreaker: { openFor: 1m }
              zonePreference: { minHealthyPercent: 90 }
              retryBudget: { ratio: 1 }
        """).service("greeter").client();

    assertThat(client.retries()).isEqualTo(RetryPolicy.DEFAULT.withMaxAttempts(5));
    assertThat(client.outlierDetection().enabled()).isFalse();
    assertThat(client.outlierDetection().consecutiveFailures()).isEqualTo(Defaults.OUTLIER_CONSECUTIVE_FAILURES);
    assertThat(client.circuitBreaker().openFor()).isEqualTo(Duration.ofMinutes(1));
    assertThat(client.circuitBreaker().window()).isEqualTo(Defaults.BREAKER_WINDOW);
    assertThat(client.zonePreference()).isEqualTo(new ZonePreference(Defaults.ZONE_PREFERENCE, 90));
    assertThat(client.retryBudget()).isEqualTo(
        new RetryBudgetPolicy(1.0, Defaults.RETRY_BUDGET_MIN_PER_SECOND, Defaults.RETRY_BUDGET_TTL));
    assertThat(client.timeout()).isEqualTo(Defaults.TIMEOUT);
  }

  @Test
  void aHealthCheckSectionKeepsTheDefaultsOfTheFieldsItLeavesOut() {
    MeshDocument doc = parse("""
        services:
          named:
            client: { healthCheck: { service: meshwork.test.Greeter } }
          off:
            client: { healthCheck: { enabled: false } }
          whole:
            client: { healthCheck: { enabled: "TRUE", service: "" } }
          unset:
            client: { healthCheck: ~ }
        """);

    assertThat(doc.service("named").client().healthCheck())
        .isEqualTo(new HealthCheckPolicy(Defaults.HEALTH_CHECK_ENABLED, "meshwork.test.Greeter"));
    assertThat(doc.service("off").client().healthCheck())
        .isEqualTo(new HealthCheckPolicy(false, Defaults.HEALTH_CHECK_SERVICE))
        .isEqualTo(HealthCheckPolicy.disabled());
    assertThat(doc.service("whole").client().healthCheck()).isEqualTo(HealthCheckPolicy.DEFAULT);
    assertThat(doc.service("unset").client().healthCheck()).isEqualTo(HealthCheckPolicy.DEFAULT);
  }

  @Test
  void theRetryThrottleCanBeTurnedOffAndABadOneIsRefusedWithItsPath() {
    MeshDocument doc = parse("""
        services:
          greeter:
            client: { retryBudget: { throttle: { enabled: false } } }
        """);
    assertThat(doc.service("greeter").client().retryBudget())
        .isEqualTo(RetryBudgetPolicy.DEFAULT.withThrottle(RetryThrottlePolicy.DISABLED));

    assertThatThrownBy(() -> parse("""
        services:
          greeter:
            client:
              retryBudget:
                throttle: { maxTokens: 0 }
        """))
        .isInstanceOfSatisfying(InvalidDocumentException.class, e -> assertThat(e.problems())
            .singleElement().satisfies(p -> {
              assertThat(p.field()).isEqualTo("services.greeter.client.retryBudget.throttle.maxTokens");
              assertThat(p.line()).isEqualTo(5);
              assertThat(p.message()).contains("expected: 1 to 1000");
            }));
    assertThatThrownBy(() -> parse("""
        services:
          greeter:
            client:
              retryBudget:
                throttle: { tokenRate: 0.1 }
        """))
        .isInstanceOfSatisfying(InvalidDocumentException.class, e -> assertThat(e.problems())
            .singleElement().satisfies(p -> {
              assertThat(p.field()).isEqualTo("services.greeter.client.retryBudget.throttle.tokenRate");
              assertThat(p.message()).contains("tokenRatio");
            }));
  }

  @Test
  void idempotentGrpcMethodsAreListedByFullNameOrByService() {
    MeshDocument doc = parse("""
        services:
          greeter:
            protocol: grpc
            client:
              retries:
                maxAttempts: 2
                idempotentMethods:
                  - greeter.Greeter/SayHello
                  - "greeter.Admin/*"
                  - greeter.Greeter/SayHello
          other:
            client: { retries: { idempotentMethods: [] } }
          third:
            client: { retries: { idempotentMethods: ~ } }
          readme:
            client:
              retries: { maxAttempts: 3, on: [connect-failure, unavailable], backoff: { base: 25ms, max: 250ms },
                         idempotentMethods: [ greeter.Greeter/SayHello, "greeter.Lookup/*" ] }   # gRPC only; default none
        """);

    RetryPolicy retries = doc.service("greeter").client().retries();
    assertThat(retries).isEqualTo(RetryPolicy.DEFAULT.withMaxAttempts(2)
        .withIdempotentMethods("greeter.Greeter/SayHello", "greeter.Admin/*"));
    assertThat(retries.idempotent("greeter.Greeter/SayHello")).isTrue();
    assertThat(retries.idempotent("greeter.Greeter/Register")).isFalse();
    assertThat(retries.idempotent("greeter.Admin/Drain")).isTrue();
    assertThat(doc.service("other").client().retries()).isEqualTo(RetryPolicy.DEFAULT);
    assertThat(doc.service("third").client().retries()).isEqualTo(RetryPolicy.DEFAULT);
    assertThat(doc.service("readme").client().retries().idempotentMethods())
        .isEqualTo(IdempotentMethods.of("greeter.Greeter/SayHello", "greeter.Lookup/*"));
  }

  @Test
  void aBadIdempotentMethodIsRefusedAtItsOwnLineWithItsPath() {
    assertThatThrownBy(() -> parse("""
        services:
          greeter:
            client:
              retries:
                idempotentMethods:
                  - greeter.Greeter/SayHello
                  - greeter.Greeter.Register
                  - "greeter.Greeter/*"
                  - "a b/C"
        """))
        .isInstanceOfSatisfying(InvalidDocumentException.class, e -> assertThat(e.problems())
            .extracting(ConfigProblem::line, ConfigProblem::column, ConfigProblem::field, ConfigProblem::message)
            .containsExactly(
                tuple(7, 13, "services.greeter.client.retries.idempotentMethods[1]",
                    "'greeter.Greeter.Register' (expected: a gRPC method such as greeter.Greeter/SayHello, or "
                        + "greeter.Greeter/* for all of a service's methods, with exactly one '/' between service and method)"),
                tuple(9, 13, "services.greeter.client.retries.idempotentMethods[3]",
                    "'a b/C' (expected: a gRPC method such as greeter.Greeter/SayHello, or "
                        + "greeter.Greeter/* for all of a service's methods, without whitespace or control characters)")));

    assertThatThrownBy(() -> parse("""
        services:
          greeter:
            client:
              retries: { idempotentMethods: greeter.Greeter/SayHello }
        """))
        .isInstanceOfSatisfying(InvalidDocumentException.class, e -> assertThat(e.problems())
            .singleElement().satisfies(p -> {
              assertThat(p.field()).isEqualTo("services.greeter.client.retries.idempotentMethods");
              assertThat(p.line()).isEqualTo(4);
              assertThat(p.message()).isEqualTo("'greeter.Greeter/SayHello' (expected: a list of gRPC methods such as "
                  + "greeter.Greeter/SayHello or greeter.Greeter/*)");
            }));
    assertThatThrownBy(() -> parse("""
        services:
          greeter:
            client:
              retries:
                idempotentMethod: [ greeter.Greeter/SayHello ]
        """))
        .isInstanceOfSatisfying(InvalidDocumentException.class, e -> assertThat(e.problems())
            .singleElement().satisfies(p -> {
              assertThat(p.field()).isEqualTo("services.greeter.client.retries.idempotentMethod");
              assertThat(p.line()).isEqualTo(5);
              assertThat(p.message()).contains("did you mean idempotentMethods?");
            }));
    assertThatThrownBy(() -> parse("""
        services:
          greeter:
            client:
              retries: { idempotentMethods: [ [ a.B/C ], ~ ] }
        """))
        .isInstanceOfSatisfying(InvalidDocumentException.class, e -> assertThat(e.problems())
            .extracting(ConfigProblem::field).containsExactly(
                "services.greeter.client.retries.idempotentMethods[0]",
                "services.greeter.client.retries.idempotentMethods[1]"));
  }

  @Test
  void nullValuesMeanNotSet() {
    MeshDocument doc = parse("""
        mesh:
        services:
          greeter:
            endpoints:
            client:
              timeout: ~
              retries:
            server:
          empty:
        """);

    assertThat(doc.mesh()).isEqualTo(MeshSettings.DEFAULT);
    assertThat(doc.service("greeter")).isEqualTo(ServiceConfig.unknown("greeter"));
    assertThat(doc.services().get("empty")).isEqualTo(ServiceConfig.unknown("empty"));
  }

  @Test
  void anEmptyDocumentOrOneOfCommentsOnlyIsTheEmptyDocument() {
    assertThat(parse("")).isEqualTo(MeshDocument.EMPTY);
    assertThat(parse("   \n\n")).isEqualTo(MeshDocument.EMPTY);
    assertThat(parse("# nothing here yet\n  # still nothing\n")).isEqualTo(MeshDocument.EMPTY);
    assertThat(parse("---\n...\n")).isEqualTo(MeshDocument.EMPTY);
  }

  @Test
  void aDocumentWithoutServicesHasNoServices() {
    assertThat(parse("mesh: { tls: disabled }\n"))
        .isEqualTo(new MeshDocument(new MeshSettings(Defaults.TRUST_DOMAIN, TlsMode.DISABLED), Map.of()));
    assertThat(parse("services: {}\n")).isEqualTo(MeshDocument.EMPTY);
    assertThat(parse("services:\n")).isEqualTo(MeshDocument.EMPTY);
  }

  @Test
  void numbersAndBooleansMayBeQuotedAndLabelValuesMayBeNumbers() {
    ServiceConfig s = parse("""
        services:
          greeter:
            endpoints: [ { address: "10.0.0.1:80", weight: "3", labels: { version: 2, canary: true } } ]
            client: { maxConcurrentRequests: "+64", outlierDetection: { enabled: "FALSE" } }
        """).service("greeter");

    assertThat(s.endpoints().get(0).weight()).isEqualTo(3);
    assertThat(s.endpoints().get(0).labels()).isEqualTo(Map.of("version", "2", "canary", "true"));
    assertThat(s.client().maxConcurrentRequests()).isEqualTo(64);
    assertThat(s.client().outlierDetection().enabled()).isFalse();
  }

  @Test
  void emptyRetryConditionsMeanNoRetryOnAnything() {
    RetryPolicy retries = parse("services: { greeter: { client: { retries: { on: [] } } } }\n")
        .service("greeter").client().retries();

    assertThat(retries.on()).isEmpty();
    assertThat(retries.onStatus()).isEmpty();
  }

  @Test
  void everyLoadBalancerTlsModeAndProtocolIsAccepted() {
    for (LoadBalancerKind kind : LoadBalancerKind.values()) {
      ClientPolicy c = parse("services: { s: { client: { loadBalancer: " + kind.documentName()
          + ", hashHeader: h } } }\n").service("s").client();
      assertThat(c.loadBalancer()).isEqualTo(kind);
    }
    for (TlsMode mode : TlsMode.values()) {
      assertThat(parse("mesh: { tls: " + mode.documentName() + " }\n").mesh().tls()).isEqualTo(mode);
    }
    for (Protocol p : Protocol.values()) {
      assertThat(parse("services: { s: { protocol: " + p.documentName() + " } }\n").service("s").protocol())
          .isEqualTo(p);
    }
  }

  @Test
  void yamlAnchorsAndMergeKeysShareSettingsBetweenServices() {
    MeshDocument doc = parse("""
        services:
          a:
            client: &fast { timeout: 100ms, maxConcurrentRequests: 10 }
          b:
            client:
              <<: *fast
              maxConcurrentRequests: 20
        """);

    assertThat(doc.service("a").client().timeout()).isEqualTo(Duration.ofMillis(100));
    assertThat(doc.service("b").client().timeout()).isEqualTo(Duration.ofMillis(100));
    assertThat(doc.service("b").client().maxConcurrentRequests()).isEqualTo(20);
  }

  @Test
  void anEndpointDocumentIsParsedForSelfRegistration() {
    Endpoint e = MeshDocumentParser.parseEndpoint(new DocumentSource("self.yaml", """
        address: 10.1.2.3:9000
        zone: eu-west-1a
        weight: 5
        labels: { version: v3 }
        """));

    assertThat(e).isEqualTo(new Endpoint(new Address("10.1.2.3", 9000), "eu-west-1a", 5, Map.of("version", "v3")));
    assertThat(MeshDocumentParser.parseEndpoint(new DocumentSource("self.yaml", "10.1.2.3:9000\n")))
        .isEqualTo(Endpoint.of("10.1.2.3:9000"));
  }

  @Test
  void anEndpointDocumentWithProblemsIsRefusedWithTheirFieldPaths() {
    assertThatThrownBy(() -> MeshDocumentParser.parseEndpoint(new DocumentSource("self.yaml", """
        zone: a
        weight: 0
        labels: [ v1 ]
        """)))
        .isInstanceOfSatisfying(InvalidDocumentException.class, e -> assertThat(e.problems())
            .extracting(ConfigProblem::field, ConfigProblem::line)
            .containsExactly(
                tuple("address", 1),
                tuple("labels", 3)));
    assertThatThrownBy(() -> MeshDocumentParser.parseEndpoint(new DocumentSource("self.yaml", "# nothing\n")))
        .isInstanceOfSatisfying(InvalidDocumentException.class, e -> assertThat(e.problems())
            .singleElement().satisfies(p -> assertThat(p.message()).startsWith("an empty document")));
  }

  @Test
  void aProblemPrintsLikeACompilerError() {
    ConfigProblem p = new ConfigProblem("mesh.yaml", 12, 7, "services.greeter.client.timeout", "'-2s' (expected: x)");
    assertThat(p).hasToString("mesh.yaml:12:7: services.greeter.client.timeout: '-2s' (expected: x)");
    assertThat(new ConfigProblem("mesh.yaml", 0, 0, "", "bad (expected: good)"))
        .hasToString("mesh.yaml: bad (expected: good)");
    InvalidDocumentException e = new InvalidDocumentException(List.of(p, p));
    assertThat(e.getMessage()).isEqualTo(p + "\n" + p);
  }
}
