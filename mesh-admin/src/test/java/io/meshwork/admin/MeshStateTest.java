package io.meshwork.admin;

import static io.meshwork.admin.Documents.destination;
import static io.meshwork.admin.Documents.endpoint;
import static io.meshwork.admin.Documents.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.meshwork.core.Attempt;
import io.meshwork.core.Call;
import io.meshwork.core.Destination;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshRequest;
import io.meshwork.core.Outcome;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.OutlierDetectionPolicy;
import io.meshwork.core.model.RetryPolicy;
import io.meshwork.core.model.Route;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.core.testing.FakeTicker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The state document from a real engine driven in-process with fake time. */
class MeshStateTest {
  private static final Instant NOW = Instant.parse("2026-12-08T04:00:00.123Z");

  private final FakeTicker ticker = new FakeTicker();
  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh mesh = Mesh.builder().serviceName("frontend").zone("z1").registry(registry)
      .meterRegistry(new SimpleMeterRegistry()).ticker(ticker).build();
  private final MeshState state = MeshState.start(mesh, clock, ticker);

  @AfterEach
  void tearDown() {
    state.close();
    mesh.close();
    registry.close();
  }

  private static ClientPolicy noRetries() {
    return ClientPolicy.builder().retries(RetryPolicy.none())
        .outlierDetection(OutlierDetectionPolicy.DISABLED).build();
  }

  /** One call to {@code d} that takes {@code millis} on the fake clock and ends with {@code status}. */
  private void call(Destination d, long millis, int status) {
    try (Call call = d.newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
      Attempt a = call.nextAttempt();
      ticker.advanceMillis(millis);
      a.complete(Outcome.http(status));
    }
  }

  @Test
  void goldenMetricsGiveTheRateSuccessAndPercentilesOfTheLastWholeSeconds() {
    registry.putService(ServiceConfig.builder("greeter").addEndpoint(Endpoint.of("127.0.0.1:8081"))
        .client(noRetries()).build());
    Destination greeter = mesh.destination("greeter");
    // 90 calls of 2 ms, 10 of 40 ms that fail with 503: 100 calls in the first second.
    for (int i = 0; i < 90; i++) call(greeter, 2, 200);
    for (int i = 0; i < 10; i++) call(greeter, 40, 503);
    ticker.advanceMillis(1_000 - 90 * 2 - 10 * 40);

    Map<String, Object> golden = map(destination(state.document(), "greeter").get("golden"));
    assertThat(golden.get("windowSeconds")).isEqualTo(1L);
    assertThat((Double) golden.get("requestsPerSecond")).isEqualTo(100.0);
    assertThat((Double) golden.get("successRate")).isEqualTo(0.9);
    assertThat((Double) golden.get("p50Ms")).isCloseTo(2.0, within(0.5));
    assertThat((Double) golden.get("p99Ms")).isCloseTo(40.0, within(10.0));

    // A second without calls halves the rate; ten more push the first second out of the window.
    ticker.advanceMillis(1_000);
    golden = map(destination(state.document(), "greeter").get("golden"));
    assertThat(golden.get("windowSeconds")).isEqualTo(2L);
    assertThat((Double) golden.get("requestsPerSecond")).isEqualTo(50.0);
    ticker.advanceMillis(10_000);
    golden = map(destination(state.document(), "greeter").get("golden"));
    assertThat(golden.get("windowSeconds")).isEqualTo(10L);
    assertThat((Double) golden.get("requestsPerSecond")).isEqualTo(0.0);
    assertThat(golden.get("successRate")).isNull();
    assertThat(golden.get("p50Ms")).isNull();
  }

  @Test
  void endpointRatesComeFromTheSampledCountersOverTheWindow() {
    registry.putService(ServiceConfig.builder("greeter").addEndpoint(Endpoint.of("127.0.0.1:8081"))
        .client(noRetries()).build());
    Destination greeter = mesh.destination("greeter");
    state.document(); // the first sample: nothing yet
    ticker.advanceMillis(1_000);
    state.document();
    for (int i = 0; i < 20; i++) call(greeter, 1, i < 5 ? 503 : 200);
    ticker.advanceMillis(1_000);

    Map<String, Object> e = endpoint(destination(state.document(), "greeter"), "127.0.0.1:8081");
    assertThat(e.get("attempts")).isEqualTo(20L);
    assertThat(e.get("failures")).isEqualTo(5L);
    assertThat(e.get("state")).isEqualTo("serving");
    assertThat((Double) e.get("requestsPerSecond")).isEqualTo(20.0);
    assertThat((Double) e.get("successRate")).isEqualTo(0.75);
  }

  @Test
  void theDocumentDescribesServiceRegistryRoutesAndPolicies() {
    registry.putService(ServiceConfig.builder("greeter")
        .addEndpoint(new Endpoint(io.meshwork.core.model.Address.parse("127.0.0.1:8082"), "z2", 10,
            Map.of("version", "v2"), Map.of("http", 8082, "admin", 9902)))
        .addEndpoint(Endpoint.of("127.0.0.1:8081").withLabels(Map.of("version", "v1")))
        .client(ClientPolicy.builder().timeout(Duration.ofMillis(2_500)).maxConcurrentRequests(7)
            .addRoute(Route.to("canary", Map.of("x-canary", "1"), Map.of("version", "v2")))
            .build())
        .build());
    mesh.destination("greeter");

    Map<String, Object> doc = state.document();
    assertThat(doc.get("schema")).isEqualTo(MeshState.SCHEMA);
    assertThat(doc.get("generatedAt")).isEqualTo("2026-12-08T04:00:00.123Z");
    assertThat(map(doc.get("service"))).containsEntry("name", "frontend").containsEntry("zone", "z1")
        .containsEntry("tlsMode", "permissive");
    assertThat(doc.get("identity")).isNull();
    assertThat(map(doc.get("registry"))).containsEntry("kind", "InMemoryRegistry")
        .containsEntry("problems", List.of());
    Map<String, Object> greeter = destination(doc, "greeter");
    assertThat(greeter).containsEntry("known", true).containsEntry("protocol", "http")
        .containsEntry("loadBalancer", "peak-ewma").containsEntry("timeout", "2500ms");
    assertThat(greeter.get("routes")).isEqualTo(List.of(Map.of("name", "canary",
        "matchHeaders", Map.of("x-canary", "1"),
        "split", List.of(Map.of("to", Map.of("version", "v2"), "weight", 1L)))));
    assertThat(map(greeter.get("concurrency"))).containsEntry("inFlight", 0L).containsEntry("limit", 7L);
    assertThat(map(greeter.get("circuit"))).containsEntry("state", "closed");
    // Sorted by address; the admin port becomes a link to the peer's page.
    List<Object> endpoints = Documents.list(greeter.get("endpoints"));
    assertThat(endpoints).extracting(e -> map(e).get("address")).containsExactly("127.0.0.1:8081", "127.0.0.1:8082");
    assertThat(map(endpoints.get(1))).containsEntry("zone", "z2").containsEntry("weight", 10L)
        .containsEntry("labels", Map.of("version", "v2")).containsEntry("admin", "http://127.0.0.1:9902/admin");
    assertThat(map(endpoints.get(0))).containsEntry("admin", null).containsEntry("ejectedForMs", 0L);
  }

  @Test
  void theJsonTextIsTheDocumentThatJacksonReadsBack() {
    registry.putService(ServiceConfig.builder("greeter").addEndpoint(Endpoint.of("127.0.0.1:8081"))
        .client(noRetries()).build());
    registry.putService(ServiceConfig.builder("odd").addEndpoint(Endpoint.of("127.0.0.1:8083")
        .withLabels(Map.of("note", "quotes \"and\" \\ slashes \u2028 \n \u0001 é"))).build());
    mesh.destination("odd");
    Destination greeter = mesh.destination("greeter");
    for (int i = 0; i < 10; i++) call(greeter, 3, 200);
    ticker.advanceMillis(1_000);

    String json = state.json();
    assertThat(Documents.parse(json)).isEqualTo(Documents.normalized(state.document()));
    assertThat(json).doesNotContain("NaN").doesNotContain("Infinity").doesNotContain("\n");
  }

  @Test
  void recordingAHundredThousandCallsAllocatesNothingAfterTheFirst() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    Outcome ok = Outcome.http(200);
    Outcome failed = Outcome.http(503);
    GoldenRecorder recorder = state.recorder();
    String service = new String("greeter"); // not a constant: looked up like a destination's name
    recorder.onCallCompleted(service, "default", ok, null, 1, 1_000_000);
    // Warm the path up so the JIT's own allocations stay out of the measurement.
    for (int i = 0; i < 100_000; i++) recorder.onCallCompleted(service, "default", ok, null, 1, i * 1_000L);

    long tid = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(tid);
    for (int i = 0; i < 100_000; i++) {
      recorder.onCallCompleted(service, "default", (i & 7) == 0 ? failed : ok, null, 1, i * 1_000L);
    }
    long allocated = threads.getThreadAllocatedBytes(tid) - before;

    assertThat(allocated).as("bytes allocated by 100,000 recordings").isLessThan(64 * 1024);
    ticker.advanceMillis(1_000);
    state.document();
    assertThat(recorder.golden("greeter").requestsPerSecond()).isEqualTo(200_001.0);
  }

  @Test
  void closingUnsubscribesTheListenerAndStopsTheSampler() {
    registry.putService(ServiceConfig.builder("greeter").addEndpoint(Endpoint.of("127.0.0.1:8081"))
        .client(noRetries()).build());
    Destination greeter = mesh.destination("greeter");
    call(greeter, 1, 200);
    assertThat(Thread.getAllStackTraces().keySet()).anyMatch(t -> t.getName().equals(MeshState.THREAD_NAME));

    state.close();
    call(greeter, 1, 200);
    call(greeter, 1, 200);
    ticker.advanceMillis(1_000);

    assertThat((Double) map(destination(state.document(), "greeter").get("golden")).get("requestsPerSecond"))
        .as("only the call before close counts").isEqualTo(1.0);
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces()
        .keySet().stream().noneMatch(t -> t.getName().equals(MeshState.THREAD_NAME) && t.isAlive()));
  }

  @Test
  void callerServiceIsTheLastSegmentOfTheSpiffeId() {
    assertThat(MeshState.callerService("spiffe://meshwork.local/ns/default/sa/frontend")).isEqualTo("frontend");
    assertThat(MeshState.callerService("spiffe://example.org/service/checkout")).isEqualTo("checkout");
    assertThat(MeshState.callerService("anonymous")).isNull();
  }

  @Test
  void durationsUseTheRegistrysForm() {
    assertThat(DurationText.format(Duration.ofSeconds(2))).isEqualTo("2s");
    assertThat(DurationText.format(Duration.ofMillis(250))).isEqualTo("250ms");
    assertThat(DurationText.format(Duration.ofMinutes(1))).isEqualTo("1m");
    assertThat(DurationText.format(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(DurationText.format(Duration.ofNanos(1_500_000))).isEqualTo("1500us");
  }
}
