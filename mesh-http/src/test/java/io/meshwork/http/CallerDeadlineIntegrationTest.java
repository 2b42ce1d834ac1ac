package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshwork.core.Deadline;
import io.meshwork.core.DeadlineExceededException;
import io.meshwork.core.Destination;
import io.meshwork.core.EndpointStatus;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshContext;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A caller's own short deadline fails its calls, not the healthy endpoint behind them. */
class CallerDeadlineIntegrationTest {
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("orders", registry);
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

  private Response get() throws Exception {
    return client.newCall(new Request.Builder().url("http://orders/").build()).execute();
  }

  @Test
  void callsCutByTheCallersThreeMillisecondDeadlineDoNotEjectAHealthyEndpoint() throws Exception {
    backend = Backend.start(serverMesh).delay(20);
    registry.putService(ServiceConfig.of("orders", backend.endpoint())); // every default
    try (Response r = get()) {
      assertThat(r.code()).isEqualTo(200); // a connection to reuse
    }

    for (int i = 0; i < 20; i++) {
      try (Scope s = MeshContext.withDeadline(Context.current(), Deadline.after(Duration.ofMillis(3), clientMesh.ticker()))
          .makeCurrent()) {
        assertThatThrownBy(this::get).isInstanceOf(MeshIOException.class)
            .satisfies(e -> assertThat(((MeshIOException) e).reason()).isInstanceOf(DeadlineExceededException.class));
      }
    }

    Destination orders = clientMesh.destination("orders");
    EndpointStatus status = orders.endpoints().get(0);
    assertThat(status.ejected()).as("ejected by timeouts its callers caused").isFalse();
    assertThat(status.ejections()).isZero();
    assertThat(status.failures()).isZero();
    assertThat(orders.circuitState()).isEqualTo(io.meshwork.core.CircuitState.CLOSED);
    try (Response r = get()) {
      assertThat(r.code()).isEqualTo(200);
    }
  }
}
