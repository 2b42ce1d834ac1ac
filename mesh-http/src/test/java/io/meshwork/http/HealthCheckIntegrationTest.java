package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Destination;
import io.meshwork.core.EndpointStatus;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.Address;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.CircuitBreakerPolicy;
import io.meshwork.core.model.HealthCheckPolicy;
import io.meshwork.core.model.OutlierDetectionPolicy;
import io.meshwork.core.model.RetryPolicy;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP active health checking on real loopback servers: an ejected replica that recovers is
 * back long before its 30 s ejection ends, a replica whose health path says not serving gets no
 * calls, a replica restarted on its port is back within a second or two.
 */
class HealthCheckIntegrationTest {
  private static final HealthCheckPolicy CHECKS =
      new HealthCheckPolicy(true, "", MeshHttpServer.DEFAULT_HEALTH_PATH, Duration.ofMillis(200));

  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("greeter", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  private final OkHttpClient client = MeshHttp.client(clientMesh);
  private final List<Backend> backends = new ArrayList<>();

  @AfterEach
  void tearDown() {
    backends.forEach(Backend::close);
    clientMesh.close();
    serverMesh.close();
  }

  /** Default outlier detection (5 failures in a row, 30 s), no retries, no breaker, round robin. */
  private void put(HealthCheckPolicy health) {
    registry.putService(ServiceConfig.builder("greeter")
        .endpoints(backends.stream().map(Backend::endpoint).toList())
        .client(ClientPolicy.builder()
            .retries(RetryPolicy.none())
            // Round robin: whether an endpoint is picked at all is the point here, not its latency
            // estimate (peak EWMA may pass over a replica whose last sample was a slow first call).
            .loadBalancer(io.meshwork.core.model.LoadBalancerKind.ROUND_ROBIN)
            .circuitBreaker(new CircuitBreakerPolicy(false, 50, Duration.ofSeconds(20), 20, Duration.ofSeconds(10), 5))
            .outlierDetection(OutlierDetectionPolicy.DEFAULT)
            .healthCheck(health)
            .build())
        .build());
  }

  private void startBackends(int n) {
    for (int i = 0; i < n; i++) backends.add(Backend.start(serverMesh));
  }

  /** One call; its status, or -1 when it failed without one. */
  private int call() {
    try (Response r = client.newCall(new Request.Builder().url("http://greeter/hello").build()).execute()) {
      return r.code();
    } catch (IOException e) {
      return -1;
    }
  }

  private HealthChecker checker() {
    for (Interceptor i : client.interceptors()) {
      if (i instanceof MeshInterceptor m) return m.healthChecker();
    }
    throw new AssertionError("no mesh interceptor");
  }

  private EndpointStatus status(Backend b) {
    Destination d = clientMesh.destination("greeter");
    return d.endpoints().stream().filter(s -> s.endpoint().address().equals(b.endpoint().address()))
        .findFirst().orElseThrow();
  }

  /** Fails {@code bad} until outlier detection ejects it, lets it recover; returns when it had traffic again. */
  private Duration ejectRecoverAndTimeReturn(Backend bad) {
    bad.status(503);
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      call();
      return status(bad).ejected();
    });
    bad.status(200);
    int before = bad.hits.get();
    long start = System.nanoTime();
    await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20)).until(() -> {
      call();
      return bad.hits.get() > before;
    });
    return Duration.ofNanos(System.nanoTime() - start);
  }

  @Test
  void anEjectedReplicaThatRecoversIsReadmittedByTheHealthCheckLongBeforeItsEjectionEnds() {
    startBackends(3);
    put(CHECKS);

    Duration back = ejectRecoverAndTimeReturn(backends.get(0));

    assertThat(back).isLessThan(Duration.ofSeconds(3));
    assertThat(checker().watched()).containsExactly("greeter");
  }

  @Test
  void withoutAHealthCheckPathTheSameReplicaStaysOutForItsEjectionTime() {
    startBackends(3);
    put(new HealthCheckPolicy(true, "", "", Duration.ofMillis(200)));

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ejectRecoverAndTimeReturn(backends.get(0)))
        .isInstanceOf(org.awaitility.core.ConditionTimeoutException.class);
    assertThat(status(backends.get(0)).ejected()).isTrue();
    assertThat(checker().watched()).isEmpty();
  }

  @Test
  void aReplicaWhoseHealthPathSaysNotServingGetsNoCallsAndNoCallFails() {
    startBackends(3);
    put(CHECKS);
    assertThat(call()).isEqualTo(200); // the first call starts checking "greeter"
    Backend draining = backends.get(1);
    draining.server.serving(false);
    await().atMost(Duration.ofSeconds(3))
        .until(() -> checker().notServing("greeter").contains(draining.endpoint().address()));
    draining.status(500); // any call that still reached it would fail
    int before = draining.hits.get();

    for (int i = 0; i < 200; i++) assertThat(call()).isEqualTo(200);

    assertThat(draining.hits.get()).isEqualTo(before);
    assertThat(status(draining).ejected()).isFalse();

    draining.status(200);
    draining.server.serving(true);
    await().atMost(Duration.ofSeconds(3))
        .until(() -> !checker().notServing("greeter").contains(draining.endpoint().address()));
    await().atMost(Duration.ofSeconds(3)).until(() -> {
      call();
      return draining.hits.get() > before;
    });
  }

  @Test
  void aReplicaRestartedOnItsPortIsBackWithinASecondOrTwo() {
    startBackends(3);
    put(CHECKS);
    assertThat(call()).isEqualTo(200);
    Backend stopped = backends.get(2);
    int port = stopped.port();
    Address address = stopped.endpoint().address();
    stopped.close();
    await().atMost(Duration.ofSeconds(3)).until(() -> checker().notServing("greeter").contains(address));
    for (int i = 0; i < 50; i++) assertThat(call()).as("no call goes to the stopped replica").isEqualTo(200);

    Backend restarted = Backend.start(serverMesh, port);
    backends.set(2, restarted);
    long start = System.nanoTime();
    await().atMost(Duration.ofMillis(2500)).pollInterval(Duration.ofMillis(20)).until(() -> {
      call();
      return restarted.hits.get() > 0;
    });
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
  }

  @Test
  void theCheckerStopsWhenTheMeshIsClosed() {
    startBackends(1);
    put(CHECKS);
    assertThat(call()).isEqualTo(200);
    HealthChecker checker = checker();
    clientMesh.close();
    await().atMost(Duration.ofSeconds(3)).until(checker::stopped);
  }

  @Test
  void aMeshServerAnswersItsHealthPathAndSaysNotServingOnceClosing() throws IOException {
    startBackends(1);
    Backend b = backends.get(0);
    OkHttpClient plain = new OkHttpClient();
    Request health = new Request.Builder().url("http://127.0.0.1:" + b.port() + "/healthz").build();
    try (Response r = plain.newCall(health).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
    assertThat(b.hits.get()).as("the application's handler at / did not see the probe").isZero();
    b.server.serving(false);
    try (Response r = plain.newCall(health).execute()) {
      assertThat(r.code()).isEqualTo(503);
    }
    assertThat(HealthChecker.servingStatus(404)).isTrue();
    assertThat(HealthChecker.servingStatus(503)).isFalse();
  }
}
