package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshwork.core.Mesh;
import io.meshwork.core.NoEndpointsException;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which hosts the mesh takes: a misspelt mesh name fails loudly, naming the service meant; a
 * name the registry does not know goes to DNS as before, whatever the application asked of the
 * mesh directly.
 */
class MisspelledServiceTest {
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("inventory", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  private final OkHttpClient client = MeshHttp.client(clientMesh);
  private final Backend backend = Backend.start(serverMesh);

  @AfterEach
  void tearDown() {
    backend.close();
    clientMesh.close();
    serverMesh.close();
    registry.close();
    client.dispatcher().executorService().shutdown();
  }

  @Test
  void aMisspeltServiceNameFailsWithTheServiceItProbablyMeant() {
    registry.putService(ServiceConfig.of("inventory", backend.endpoint()));

    assertThatThrownBy(() -> client.newCall(new Request.Builder().url("http://invntory/items").build()).execute())
        .isInstanceOf(MeshIOException.class)
        .satisfies(e -> assertThat(((MeshIOException) e).reason()).isInstanceOf(NoEndpointsException.class)
            .hasMessageContaining("did you mean inventory?"));
    assertThat(backend.hits.get()).isZero();
  }

  @Test
  void aHostTheRegistryDoesNotNameGoesToDnsEvenAfterTheMeshWasAskedForIt() throws Exception {
    registry.putService(ServiceConfig.of("inventory", backend.endpoint()));
    clientMesh.destination("localhost"); // asked for directly, e.g. by mistake

    try (Response r = client.newCall(new Request.Builder().url("http://localhost:" + backend.port() + "/").build()).execute()) {
      assertThat(r.code()).as("sent by OkHttp as usual, not through the mesh").isEqualTo(200);
    }
    assertThat(backend.hits.get()).isEqualTo(1);
  }
}
