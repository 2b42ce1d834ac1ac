package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Destination;
import io.meshwork.core.Mesh;
import io.meshwork.core.NoEndpointsException;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PassThroughAndFailureTest {
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
  void hostsThatAreNotKnownServicesPassThroughUntouched() throws IOException {
    backend = Backend.start(serverMesh);
    for (String host : new String[] {"127.0.0.1", "localhost"}) {
      try (Response r = client.newCall(new Request.Builder().url("http://" + host + ":" + backend.port() + "/x").build()).execute()) {
        assertThat(r.code()).isEqualTo(200);
      }
    }
    assertThat(backend.hits.get()).isEqualTo(2);
    assertThat(backend.timeoutHeaders).as("mesh headers on pass-through requests").isEmpty();
    assertThat(clientMesh.meterRegistry().getMeters())
        .as("meters of a host that is not a service")
        .noneMatch(m -> "localhost".equals(m.getId().getTag("service")));
  }

  @Test
  void aKnownServiceWithoutEndpointsFailsWithMeshIOExceptionCarryingTheReason() {
    registry.putService(ServiceConfig.of("empty"));
    assertThatThrownBy(() -> client.newCall(new Request.Builder().url("http://empty/x").build()).execute())
        .isInstanceOfSatisfying(MeshIOException.class, e -> {
          assertThat(e.reason()).isInstanceOf(NoEndpointsException.class);
          assertThat(e.getMessage()).isEqualTo("empty: no endpoints (the registry lists none)");
          assertThat(e.requestSent()).isFalse();
        });
  }

  @Test
  void cancellingTheOkHttpCallReleasesTheMeshCall() throws Exception {
    backend = Backend.start(serverMesh).delay(3000);
    registry.putService(ServiceConfig.of("greeter", backend.endpoint()));
    Destination greeter = clientMesh.destination("greeter");

    okhttp3.Call call = client.newCall(new Request.Builder().url("http://greeter/slow").build());
    CompletableFuture<Throwable> failed = CompletableFuture.supplyAsync(() -> {
      try (Response r = call.execute()) {
        return null;
      } catch (IOException e) {
        return e;
      }
    });
    await().atMost(Duration.ofSeconds(2)).until(() -> backend.hits.get() == 1);
    assertThat(greeter.inFlight()).isEqualTo(1);
    call.cancel();

    assertThat(failed.get(2, TimeUnit.SECONDS)).isInstanceOf(IOException.class);
    await().atMost(Duration.ofSeconds(2)).until(() -> greeter.inFlight() == 0);
    assertThat(greeter.endpoints()).singleElement().satisfies(e -> {
      assertThat(e.inFlight()).isZero();
      assertThat(e.failures()).as("a cancelled attempt says nothing of the endpoint's health").isZero();
    });
    assertThat(backend.hits.get()).as("a cancelled call is not retried").isEqualTo(1);
  }
}
