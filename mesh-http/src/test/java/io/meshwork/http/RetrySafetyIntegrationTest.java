package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.Destination;
import io.meshwork.core.EndpointStatus;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which requests may be sent twice: the default policy retries 503 and connect failures. */
class RetrySafetyIntegrationTest {
  private static final MediaType TEXT = MediaType.get("text/plain");
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

  @Test
  void aPostThatReachedTheServerIsNotRetriedOnA503ButAGetIs() throws IOException {
    backend = Backend.start(serverMesh).status(503);
    registry.putService(ServiceConfig.of("orders", backend.endpoint()));

    Request post = new Request.Builder().url("http://orders/new").post(RequestBody.create("item", TEXT)).build();
    try (Response r = client.newCall(post).execute()) {
      assertThat(r.code()).isEqualTo(503);
    }
    assertThat(backend.hits.get()).as("requests the server saw for one POST").isEqualTo(1);

    try (Response r = client.newCall(new Request.Builder().url("http://orders/list").build()).execute()) {
      assertThat(r.code()).isEqualTo(503);
    }
    assertThat(backend.hits.get()).as("after one GET with maxAttempts 3").isEqualTo(4);
    assertThat(backend.attemptHeaders).containsExactly("2", "3");
  }

  @Test
  void aPostIsRetriedOnAnotherEndpointWhenTheConnectionWasRefusedEvenWithAOneShotBody() throws IOException {
    backend = Backend.start(serverMesh);
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    registry.putService(ServiceConfig.of("orders", Endpoint.of("127.0.0.1:" + closedPort), backend.endpoint()));
    Destination orders = clientMesh.destination("orders");

    for (int i = 0; i < 10; i++) {
      Request post = new Request.Builder().url("http://orders/new").post(new OneShotBody("item " + i)).build();
      try (Response r = client.newCall(post).execute()) {
        assertThat(r.code()).isEqualTo(200);
        assertThat(r.body().string()).isEqualTo("ok");
      }
    }
    assertThat(backend.hits.get()).isEqualTo(10);
    List<EndpointStatus> endpoints = orders.endpoints();
    EndpointStatus refused = endpoints.get(0);
    assertThat(refused.endpoint().address().port()).isEqualTo(closedPort);
    assertThat(refused.attempts()).as("attempts on the closed port").isPositive();
    assertThat(refused.failures()).isEqualTo(refused.attempts());
  }

  /** A body that can be written once only, like a stream from a file upload. */
  private static final class OneShotBody extends RequestBody {
    private final String text;
    private boolean written;

    OneShotBody(String text) {
      this.text = text;
    }

    @Override
    public MediaType contentType() {
      return TEXT;
    }

    @Override
    public boolean isOneShot() {
      return true;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      if (written) throw new IllegalStateException("one-shot body written twice");
      written = true;
      sink.writeUtf8(text);
    }
  }
}
