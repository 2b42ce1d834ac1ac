package io.meshwork.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import io.meshwork.core.model.HealthCheckPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Documents the parser refuses, and what it says about them: file, line, column, field path
 * and the expected value, for every kind of mistake.
 */
class MeshDocumentParserErrorsTest {
  private static final String FILE = "conf/mesh.yaml";

  private static List<ConfigProblem> problems(String yaml) {
    InvalidDocumentException e = catchThrowableOfType(InvalidDocumentException.class,
        () -> MeshDocumentParser.parse(new DocumentSource(FILE, yaml)));
    assertThat(e).as("refused: %s", yaml).isNotNull();
    assertThat(e.problems()).isNotEmpty().allSatisfy(p -> assertThat(p.source()).isEqualTo(FILE));
    assertThat(e.getMessage().split("\n")).hasSize(e.problems().size());
    return e.problems();
  }

  private static ConfigProblem problem(String yaml) {
    List<ConfigProblem> all = problems(yaml);
    assertThat(all).as("exactly one problem").hasSize(1);
    return all.get(0);
  }

  @Test
  void unknownFieldIsRefusedWithFileLineAndSuggestion() {
    ConfigProblem p = problem("""
        services:
          greeter:
            client:
              timout: 2s
        """);

    assertThat(p.line()).isEqualTo(4);
    assertThat(p.column()).isEqualTo(7);
    assertThat(p.field()).isEqualTo("services.greeter.client.timout");
    assertThat(p.message()).startsWith("'timout' (expected: one of timeout, retries,").contains("did you mean timeout?");
    assertThat(p.toString()).startsWith("conf/mesh.yaml:4:7: services.greeter.client.timout: 'timout'");
  }

  @Test
  void unknownFieldsAreRefusedAtEveryLevel() {
    List<ConfigProblem> all = problems("""
        meshh: {}
        mesh: { tlsMode: strict }
        services:
          a:
            endpoint: [ 10.0.0.1:80 ]
            endpoints: [ { address: 10.0.0.1:80, label: { v: 1 } } ]
            client:
              retries: { backoff: { min: 1s } }
              routes: [ { to: {}, matches: {} } ]
            server: { deny: [ x ] }
        """);

    assertThat(all).extracting(ConfigProblem::line, ConfigProblem::field).containsExactly(
        tuple(1, "meshh"),
        tuple(2, "mesh.tlsMode"),
        tuple(5, "services.a.endpoint"),
        tuple(6, "services.a.endpoints[0].label"),
        tuple(8, "services.a.client.retries.backoff.min"),
        tuple(9, "services.a.client.routes[0].matches"),
        tuple(10, "services.a.server.deny"));
    assertThat(all.get(0).message()).contains("did you mean mesh?");
    assertThat(all.get(2).message()).contains("did you mean endpoints?");
    assertThat(all.get(6).message()).isEqualTo("'deny' (expected: one of allow)");
  }

  @Test
  void wrongTypesAreRefusedWithTheExpectedType() {
    List<ConfigProblem> all = problems("""
        services:
          a:
            endpoints: [ { address: 10.0.0.1:80, weight: 1.5 } ]
            client:
              retries: { maxAttempts: three }
              outlierDetection: { enabled: maybe }
              retryBudget: { ratio: lots }
              circuitBreaker: [ 1 ]
              zonePreference: on
          b:
            endpoints: { address: 10.0.0.1:80 }
          c: just-a-string
        """);

    assertThat(all).extracting(ConfigProblem::line, ConfigProblem::field, ConfigProblem::message).containsExactly(
        tuple(3, "services.a.endpoints[0].weight", "'1.5' (expected: a whole number)"),
        tuple(5, "services.a.client.retries.maxAttempts", "'three' (expected: a whole number)"),
        tuple(6, "services.a.client.outlierDetection.enabled", "'maybe' (expected: true or false)"),
        tuple(7, "services.a.client.retryBudget.ratio", "'lots' (expected: a number such as 0.2)"),
        tuple(8, "services.a.client.circuitBreaker", "a list (expected: a mapping with enabled, failureRate,"
            + " window, minCalls, openFor, maxOpenFor, halfOpenCalls)"),
        tuple(9, "services.a.client.zonePreference", "'on' (expected: a mapping with enabled and minHealthyPercent)"),
        tuple(11, "services.b.endpoints", "a mapping (expected: a list of endpoints)"),
        tuple(12, "services.c", "'just-a-string' (expected: a service: a mapping with protocol, endpoints, client"
            + " and server)"));
  }

  @Test
  void aDocumentThatIsNotAMappingIsRefused() {
    ConfigProblem p = problem("- a\n- b\n");
    assertThat(p.line()).isEqualTo(1);
    assertThat(p.field()).isEmpty();
    assertThat(p.message()).isEqualTo("a list (expected: a mapping with mesh and services)");
    assertThat(problem("services: [ a ]\n").message())
        .isEqualTo("a list (expected: a mapping of service names to services)");
  }

  @Test
  void negativeOrMalformedDurationIsRefused() {
    List<ConfigProblem> all = problems("""
        services:
          greeter:
            client:
              timeout: -2s
              retries: { perTryTimeout: 2 }
              circuitBreaker: { window: 2 weeks }
              outlierDetection: { baseEjection: 0s }
        """);

    assertThat(all).extracting(ConfigProblem::line, ConfigProblem::column, ConfigProblem::field).containsExactly(
        tuple(4, 16, "services.greeter.client.timeout"),
        tuple(5, 33, "services.greeter.client.retries.perTryTimeout"),
        tuple(6, 33, "services.greeter.client.circuitBreaker.window"),
        tuple(7, 41, "services.greeter.client.outlierDetection.baseEjection"));
    assertThat(all.get(0).toString()).isEqualTo("conf/mesh.yaml:4:16: services.greeter.client.timeout: '-2s'"
        + " (expected: a duration such as 250ms, 2s, 1m or 1h; negative values are not allowed)");
    assertThat(all.get(1).message()).startsWith("'2' (expected: a duration such as 250ms");
    assertThat(all.get(3).message()).isEqualTo("0ms (expected: a positive duration)");
  }

  @Test
  void aDurationTooLongForNanosecondsIsRefused() {
    ConfigProblem p = problem("services: { a: { client: { circuitBreaker: { window: 999999999999h } } } }\n");
    assertThat(p.field()).isEqualTo("services.a.client.circuitBreaker.window");
    assertThat(p.message()).isEqualTo("'999999999999h' (expected: a duration such as 250ms, 2s, 1m or 1h,"
        + " at most 2562047h)");
  }

  @Test
  void valuesTheModelRefusesAreReportedAtTheirField() {
    List<ConfigProblem> all = problems("""
        services:
          greeter:
            client:
              retries: { maxAttempts: 11 }
              maxConcurrentRequests: 0
          other:
            client:
              retries:
                backoff: { base: 1s, max: 100ms }
              retryBudget: { ttl: 2m }
        """);

    assertThat(all).extracting(ConfigProblem::line, ConfigProblem::field, ConfigProblem::message).containsExactly(
        tuple(4, "services.greeter.client.retries.maxAttempts", "11 (expected: 1 to 10)"),
        tuple(9, "services.other.client.retries.backoff.max", "100ms (expected: at least backoff.base, 1s)"),
        tuple(10, "services.other.client.retryBudget.ttl", "2m (expected: 1s to 60s)"));
  }

  @Test
  void aMaxOpenForShorterThanOpenForIsRefusedAtItsField() {
    ConfigProblem p = problem("services: { a: { client: { circuitBreaker: { openFor: 3s, maxOpenFor: 2s } } } }\n");

    assertThat(p.field()).isEqualTo("services.a.client.circuitBreaker.maxOpenFor");
    assertThat(p.message()).isEqualTo("2s (expected: at least openFor, 3s)");
  }

  @Test
  void aBadHealthCheckSectionIsRefusedAtItsField() {
    List<ConfigProblem> all = problems("""
        services:
          a:
            client:
              healthCheck: { enable: false }
          b:
            client:
              healthCheck: { enabled: yes, service: [ greeter.Greeter ] }
          c:
            client:
              healthCheck: { service: "greeter\\tGreeter" }   # a tab, by YAML's escape
          d:
            client:
              healthCheck: on
        """);

    assertThat(all).extracting(ConfigProblem::line, ConfigProblem::column, ConfigProblem::field,
        ConfigProblem::message).containsExactly(
        tuple(4, 22, "services.a.client.healthCheck.enable", "'enable' (expected: one of enabled, service, path, interval;"
            + " did you mean enabled?)"),
        tuple(7, 31, "services.b.client.healthCheck.enabled", "'yes' (expected: true or false)"),
        tuple(7, 45, "services.b.client.healthCheck.service", "a list (expected: a string)"),
        tuple(10, 31, "services.c.client.healthCheck.service", "'greeter\\tGreeter' (expected: a grpc.health.v1"
            + " service name such as greeter.Greeter, or \"\" for the whole server, without control characters)"),
        tuple(13, 20, "services.d.client.healthCheck", "'on' (expected: a mapping with enabled, service, path and interval)"));
    assertThat(all.get(3).toString()).startsWith("conf/mesh.yaml:10:31: services.c.client.healthCheck.service:"
        + " 'greeter\\tGreeter' (expected: ");
  }

  @Test
  void aBadHealthCheckPathOrIntervalIsRefusedAtItsField() {
    List<ConfigProblem> all = problems("""
        services:
          a:
            client:
              healthCheck: { path: healthz }
          b:
            client:
              healthCheck: { path: "/health z", interval: 50ms }
          c:
            client:
              healthCheck: { interval: 2h }
          d:
            client:
              healthCheck: { interval: often }
        """);

    assertThat(all).extracting(ConfigProblem::line, ConfigProblem::field, ConfigProblem::message).containsExactly(
        tuple(4, "services.a.client.healthCheck.path", "'healthz' (expected: an HTTP path starting with / such as"
            + " /healthz, or \"\" for no HTTP checks, without spaces)"),
        tuple(7, "services.b.client.healthCheck.path", "'/health z' (expected: an HTTP path starting with / such"
            + " as /healthz, or \"\" for no HTTP checks, without spaces)"),
        tuple(10, "services.c.client.healthCheck.interval", "2h (expected: 100ms to 1h)"),
        tuple(13, "services.d.client.healthCheck.interval", "'often' (expected: a duration such as 250ms, 2s, 1m or 1h;"
            + " negative values are not allowed)"));
  }

  @Test
  void aHealthCheckServiceNameLongerThanTheLimitIsRefused() {
    String name = "x".repeat(HealthCheckPolicy.MAX_SERVICE_LENGTH + 1);
    ConfigProblem p = problem("services: { a: { client: { healthCheck: { service: " + name + " } } } }\n");

    assertThat(p.field()).isEqualTo("services.a.client.healthCheck.service");
    assertThat(p.line()).isEqualTo(1);
    assertThat(p.column()).isEqualTo(52);
    assertThat(p.message()).contains("…").endsWith("at most 200 characters, not 201)");
    assertThat(MeshDocumentParser.parse(new DocumentSource(FILE, "services: { a: { client: { healthCheck: { service: "
        + name.substring(1) + " } } } }\n")).service("a").client().healthCheck().service())
        .hasSize(HealthCheckPolicy.MAX_SERVICE_LENGTH);
  }

  @Test
  void weightOutOfRangeIsRefused() {
    List<ConfigProblem> all = problems("""
        services:
          greeter:
            endpoints:
              - { address: 10.0.0.1:80, weight: 0 }
              - { address: 10.0.0.2:80, weight: 10001 }
              - { address: 10.0.0.3:80, weight: 99999999999999999999 }
            client:
              routes:
                - split: [ { to: { v: 1 }, weight: 10001 } ]
        """);

    assertThat(all).extracting(ConfigProblem::line, ConfigProblem::field, ConfigProblem::message).containsExactly(
        tuple(4, "services.greeter.endpoints[0].weight", "0 (expected: 1 to 10000)"),
        tuple(5, "services.greeter.endpoints[1].weight", "10001 (expected: 1 to 10000)"),
        tuple(6, "services.greeter.endpoints[2].weight",
            "'99999999999999999999' (expected: a whole number from -2147483648 to 2147483647)"),
        tuple(9, "services.greeter.client.routes[0].split[0].weight", "10001 (expected: 0 to 10000)"));
  }

  @Test
  void duplicateEndpointAddressIsRefusedAtTheSecondOne() {
    ConfigProblem p = problem("""
        services:
          greeter:
            endpoints:
              - 10.0.0.1:80
              - { address: 10.0.0.2:80 }
              - { address: "10.0.0.1:80", zone: b }
        """);

    assertThat(p.line()).isEqualTo(6);
    assertThat(p.field()).isEqualTo("services.greeter.endpoints[2].address");
    assertThat(p.message()).isEqualTo("'10.0.0.1:80' (expected: each address once; first at line 4)");
  }

  @Test
  void badAddressIsRefused() {
    List<ConfigProblem> all = problems("""
        services:
          greeter:
            endpoints:
              - localhost
              - { address: "10.0.0.1:70000" }
              - { zone: a }
              - ~
        """);

    assertThat(all).extracting(ConfigProblem::line, ConfigProblem::field, ConfigProblem::message).containsExactly(
        tuple(4, "services.greeter.endpoints[0]", "'localhost' (expected: host:port, IPv6 as [::1]:8080)"),
        tuple(5, "services.greeter.endpoints[1].address", "'10.0.0.1:70000' (expected: a port from 1 to 65535)"),
        tuple(6, "services.greeter.endpoints[2].address", "missing (expected: host:port, IPv6 as [::1]:8080)"),
        tuple(7, "services.greeter.endpoints[3]",
            "null (expected: an endpoint, host:port or a mapping with address)"));
  }

  @Test
  void unparseableYamlIsRefusedWithSnakeYamlsPosition() {
    ConfigProblem p = problem("""
        services:
          greeter:
            endpoints: [ 10.0.0.1:80
            client: {}
        """);

    assertThat(p.field()).isEmpty();
    assertThat(p.line()).isEqualTo(4);
    assertThat(p.message()).startsWith("invalid YAML: ").endsWith("(expected: well-formed YAML)");

    ConfigProblem colon = problem("mesh: tls: strict\n");
    assertThat(colon.line()).isEqualTo(1);
    assertThat(colon.column()).isEqualTo(10);
    assertThat(colon.message()).isEqualTo("invalid YAML: mapping values are not allowed here (expected: well-formed YAML)");
  }

  @Test
  void severalYamlDocumentsInOneFileAreRefused() {
    ConfigProblem p = problem("mesh: {}\n---\nservices: {}\n");
    assertThat(p.line()).isEqualTo(2);
    assertThat(p.message()).contains("expected a single document");
  }

  @Test
  void controlCharactersAreRefusedWithTheirLine() {
    ConfigProblem p = problem("mesh:\n  trustDomain: a\u0007b\n");
    assertThat(p.line()).isEqualTo(2);
    assertThat(p.column()).isEqualTo(17);
    assertThat(p.message()).startsWith("character U+0007 (expected: printable Unicode text");
  }

  @Test
  void ringHashWithoutHashHeaderIsRefused() {
    ConfigProblem p = problem("""
        services:
          greeter:
            client:
              timeout: 1s
              loadBalancer: ring-hash
        """);

    assertThat(p.line()).isEqualTo(4);
    assertThat(p.field()).isEqualTo("services.greeter.client.hashHeader");
    assertThat(p.message()).isEqualTo("missing (expected: a request header name when loadBalancer is ring-hash)");
  }

  @Test
  void routeWithBothToAndSplitOrNeitherIsRefused() {
    List<ConfigProblem> all = problems("""
        services:
          greeter:
            client:
              routes:
                - to: { version: v2 }
                  split: [ { to: { version: v1 }, weight: 1 } ]
                - name: nothing
                  match: { headers: { x-a: b } }
                - split: [ { to: { version: v1 } } ]
                - split: [ { to: { version: v1 }, weight: 0 } ]
        """);

    assertThat(all).extracting(ConfigProblem::line, ConfigProblem::field, ConfigProblem::message).containsExactly(
        tuple(6, "services.greeter.client.routes[0].split", "both to and split (expected: exactly one of to or split)"),
        tuple(7, "services.greeter.client.routes[1].to",
            "missing (expected: either to, a label selector such as { version: v2 }, or split)"),
        tuple(9, "services.greeter.client.routes[2].split[0].weight", "missing (expected: a weight from 0 to 10000)"),
        tuple(10, "services.greeter.client.routes[3].split",
            "all weights are 0 (expected: at least one positive weight)"));
  }

  @Test
  void duplicateRouteNamesAreRefused() {
    ConfigProblem p = problem("""
        services:
          greeter:
            client:
              routes:
                - { name: canary, to: { v: 2 } }
                - { name: canary, to: { v: 1 } }
        """);

    assertThat(p.line()).isEqualTo(6);
    assertThat(p.field()).isEqualTo("services.greeter.client.routes[1].name");
    assertThat(p.message()).isEqualTo("'canary' (expected: a name no other route has; also used at line 5)");
  }

  @Test
  void badTlsModeIsRefused() {
    ConfigProblem p = problem("mesh:\n  tls: Strict\n");
    assertThat(p.line()).isEqualTo(2);
    assertThat(p.column()).isEqualTo(8);
    assertThat(p.field()).isEqualTo("mesh.tls");
    assertThat(p.message()).isEqualTo("'Strict' (expected: strict, permissive or disabled)");
  }

  @Test
  void blankTrustDomainIsRefused() {
    ConfigProblem p = problem("mesh:\n  trustDomain: ' '\n");
    assertThat(p.line()).isEqualTo(2);
    assertThat(p.field()).isEqualTo("mesh.trustDomain");
    assertThat(p.message()).isEqualTo("' ' (expected: a non-empty name)");
  }

  @Test
  void badLoadBalancerAndProtocolAreRefused() {
    List<ConfigProblem> all = problems("""
        services:
          greeter:
            protocol: thrift
            client: { loadBalancer: random }
        """);

    assertThat(all).extracting(ConfigProblem::line, ConfigProblem::field, ConfigProblem::message).containsExactly(
        tuple(3, "services.greeter.protocol", "'thrift' (expected: http or grpc)"),
        tuple(4, "services.greeter.client.loadBalancer",
            "'random' (expected: peak-ewma, least-request, round-robin or ring-hash)"));
  }

  @Test
  void badRetryConditionIsRefused() {
    List<ConfigProblem> all = problems("services: { a: { client: { retries: { on: [ connect-failure, 200, timeout ] } } } }\n");
    assertThat(all).extracting(ConfigProblem::field)
        .containsExactly("services.a.client.retries.on[1]", "services.a.client.retries.on[2]");
    assertThat(all.get(0).message()).startsWith("'200' (expected: an HTTP status code from 400 to 599, connect-failure");
    assertThat(all.get(1).message()).startsWith("'timeout' (expected: an HTTP status code from 400 to 599");
  }

  @Test
  void badServiceNameIsRefused() {
    List<ConfigProblem> all = problems("""
        services:
          Greeter: {}
          -bad-: {}
          good: {}
        """);

    assertThat(all).extracting(ConfigProblem::line, ConfigProblem::column, ConfigProblem::field).containsExactly(
        tuple(2, 3, "services"), tuple(3, 3, "services"));
    assertThat(all.get(0).message()).isEqualTo("'Greeter' (expected: lower-case letters, digits, '.' and '-',"
        + " starting and ending with a letter or digit, at most 63 characters)");
  }

  @Test
  void duplicateKeyIsRefusedAtTheSecondOne() {
    List<ConfigProblem> all = problems("""
        services:
          greeter:
            client:
              timeout: 1s
              timeout: 2s
          greeter:
            endpoints: []
        """);

    assertThat(all).extracting(ConfigProblem::line, ConfigProblem::field, ConfigProblem::message).containsExactly(
        tuple(5, "services.greeter.client.timeout", "'timeout' (expected: each key once in a mapping; first at line 4)"),
        tuple(6, "services.greeter", "'greeter' (expected: each key once in a mapping; first at line 2)"));
  }

  @Test
  void headerNamesDifferingOnlyInCaseAreRefused() {
    ConfigProblem p = problem("""
        services:
          a:
            client:
              routes:
                - match: { headers: { X-Canary: "1", x-canary: "2" } }
                  to: {}
        """);

    assertThat(p.field()).isEqualTo("services.a.client.routes[0].match.headers.x-canary");
    assertThat(p.message()).isEqualTo("'x-canary' (expected: each header name once, whatever its case)");
  }

  @Test
  void problemsInIndependentServicesAreAllReportedInOnePass() {
    List<ConfigProblem> all = problems("""
        mesh: { tls: maybe }
        services:
          a: { client: { timeout: soon } }
          b: { endpoints: [ nowhere ] }
          c: { server: { allow: [ "" ] } }
          d: { protocol: smtp, client: { maxConcurrentRequests: -1 } }
        """);

    assertThat(all).extracting(ConfigProblem::line).containsExactly(1, 3, 4, 5, 6, 6);
    assertThat(all.get(3).field()).isEqualTo("services.c.server.allow");
  }

  @Test
  void nestingDeeperThanTheLimitIsRefused() {
    String deep = "a: " + "[".repeat(100_000);
    ConfigProblem p = problem(deep);
    assertThat(p.line()).isEqualTo(1);
    assertThat(p.message()).isEqualTo("nesting deeper than 64 levels (expected: at most 64 levels of nested"
        + " mappings and lists)");
  }

  @Test
  void aStructureContainingItselfIsRefused() {
    ConfigProblem p = problem("services:\n  a:\n    client: &c { <<: *c }\n");
    assertThat(p.line()).isEqualTo(3);
    assertThat(p.message()).isEqualTo("*c inside &c (expected: no mapping or list that contains itself)");
    assertThat(problem("services: &s { a: *s }\n").message()).startsWith("*s inside &s");
  }

  @Test
  void anAliasBombIsRefused() {
    StringBuilder yaml = new StringBuilder("a0: &a0 [x, x]\n");
    for (int i = 1; i < 40; i++) {
      yaml.append("a").append(i).append(": &a").append(i).append(" [*a").append(i - 1).append(", *a")
          .append(i - 1).append("]\n");
    }
    ConfigProblem p = problem(yaml.toString());
    assertThat(p.message()).startsWith("invalid YAML: ").contains("aliases");
  }

  @Test
  void aHugeDocumentIsRefused() {
    String huge = "mesh: { trustDomain: " + "x".repeat(YamlComposer.MAX_CODE_POINTS) + " }\n";
    ConfigProblem p = problem(huge);
    assertThat(p.line()).isZero();
    assertThat(p.message()).isEqualTo((huge.length()) + " code points (expected: a document of at most 3145728"
        + " code points)");
  }

  @Test
  void longValuesAreShortenedInMessages() {
    ConfigProblem p = problem("services: { a: { client: { timeout: " + "9".repeat(10_000) + "s } } }\n");
    assertThat(p.message()).hasSizeLessThan(200).contains("…");
  }
}
