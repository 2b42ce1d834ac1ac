package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Mesh;
import io.meshwork.core.inbound.InboundGuard;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.RetryPolicy;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The tags of {@code mesh.client.requests}, {@code mesh.client.retries} and {@code
 * mesh.server.requests} for an HTTP service, with real servers on loopback: the same outcome and
 * error.type vocabulary as gRPC (mesh-grpc's MeterTagsIntegrationTest), the HTTP status in status.
 */
class MeterTagsIntegrationTest {
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("greeter", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  private final OkHttpClient client = MeshHttp.client(clientMesh);
  private Backend backend;

  @AfterEach
  void tearDown() {
    if (backend != null) backend.close();
    clientMesh.close();
    serverMesh.close();
    registry.close();
    client.dispatcher().executorService().shutdown();
  }

  @Test
  void aFreshDestinationShowsAZero200SeriesBeforeAnyCall() {
    backend = Backend.start(serverMesh);
    put(ClientPolicy.builder().build(), backend.endpoint());
    clientMesh.destination("greeter");
    assertThat(clientRequests("success", "200", "none").count()).isZero();
  }

  @Test
  void a503IsAFailureWithItsStatusAsStatusAndErrorType() throws IOException {
    backend = Backend.start(serverMesh).status(503);
    put(ClientPolicy.builder().retries(RetryPolicy.none()).build(), backend.endpoint());
    try (Response r = get()) {
      assertThat(r.code()).isEqualTo(503);
    }

    assertThat(clientRequests("failure", "503", "503").count()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(2)).until(() -> serverMesh.meterRegistry().find(InboundGuard.REQUESTS)
        .tags("outcome", "failure", "status", "503", "error.type", "503").timer() != null);
  }

  @Test
  void aSuccessHasNoErrorTypeOnEitherSide() throws IOException {
    backend = Backend.start(serverMesh);
    put(ClientPolicy.builder().build(), backend.endpoint());
    try (Response r = get()) {
      assertThat(r.code()).isEqualTo(200);
    }
    assertThat(clientRequests("success", "200", "none").count()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(2)).until(() -> serverMesh.meterRegistry().find(InboundGuard.REQUESTS)
        .tags("outcome", "success", "status", "200", "error.type", "none").timer() != null);
  }

  @Test
  void retriesAreCountedUnderTheErrorTypeThatCausedThem() throws IOException {
    backend = Backend.start(serverMesh).status(503);
    put(ClientPolicy.builder().retries(RetryPolicy.DEFAULT.withMaxAttempts(3)
        .withBackoff(Duration.ofMillis(1), Duration.ofMillis(2))).build(), backend.endpoint());
    try (Response r = get()) {
      assertThat(r.code()).isEqualTo(503);
    }

    assertThat(clientMesh.meterRegistry().get("mesh.client.retries").tags("service", "greeter", "error.type", "503")
        .counter().count()).isEqualTo(2);
    assertThat(clientMesh.meterRegistry().find("mesh.client.retries").tagKeys("reason").counters()).isEmpty();
  }

  @Test
  void aConnectFailureHasNoStatusAndItsKindAsErrorType() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    put(ClientPolicy.builder().retries(RetryPolicy.none()).build(), Endpoint.of("127.0.0.1:" + closed));
    assertThatThrownBy(this::get).isInstanceOf(IOException.class);

    assertThat(clientRequests("failure", "none", "connect-failure").count()).isEqualTo(1);
  }

  @Test
  void aPassedDeadlineHasNoStatusAndTheRuleAsErrorType() {
    backend = Backend.start(serverMesh).delay(2000);
    put(ClientPolicy.builder().timeout(Duration.ofMillis(200)).retries(RetryPolicy.none()).build(),
        backend.endpoint());
    assertThatThrownBy(this::get).isInstanceOf(IOException.class);

    assertThat(clientRequests("failure", "none", "deadline-exceeded").count()).isEqualTo(1);
  }

  private void put(ClientPolicy policy, Endpoint endpoint) {
    registry.putService(ServiceConfig.builder("greeter").endpoints(java.util.List.of(endpoint)).client(policy).build());
  }

  private Response get() throws IOException {
    return client.newCall(new Request.Builder().url("http://greeter/hello").build()).execute();
  }

  private Timer clientRequests(String outcome, String status, String errorType) {
    Timer t = clientMesh.meterRegistry().find("mesh.client.requests")
        .tags("service", "greeter", "route", "default", "outcome", outcome, "status", status, "error.type", errorType)
        .timer();
    assertThat(t).as("mesh.client.requests outcome=%s status=%s error.type=%s: %s", outcome, status, errorType,
        clientMesh.meterRegistry().find("mesh.client.requests").timers().stream().map(Timer::getId).toList())
        .isNotNull();
    return t;
  }
}
