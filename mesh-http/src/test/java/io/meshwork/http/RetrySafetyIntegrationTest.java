package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.Destination;
import io.meshwork.core.EndpointStatus;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import java.io.IOException;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.LoadBalancerKind;
import io.meshwork.core.model.OutlierDetectionPolicy;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
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

  @Test
  void anIdempotentGetCutByAConnectionResetIsRetriedByDefaultButAPostIsNot() throws Exception {
    backend = Backend.start(serverMesh);
    try (Resetter resetter = new Resetter()) {
      // Round robin, so first attempts keep landing on the endpoint that resets, and no
      // ejection, so it stays in the rotation for the POSTs; the retry policy is the default.
      registry.putService(ServiceConfig.builder("orders")
          .endpoints(List.of(Endpoint.of("127.0.0.1:" + resetter.port()), backend.endpoint()))
          .client(ClientPolicy.builder().loadBalancer(LoadBalancerKind.ROUND_ROBIN)
              .outlierDetection(OutlierDetectionPolicy.DISABLED).build()).build());

      for (int i = 0; i < 6; i++) {
        try (Response r = client.newCall(new Request.Builder().url("http://orders/list").build()).execute()) {
          assertThat(r.code()).as("GET %d", i).isEqualTo(200);
        }
      }
      assertThat(resetter.requests.get()).as("GETs the resetting endpoint read, then reset").isPositive();
      assertThat(backend.hits.get()).isEqualTo(6);

      // A POST that reached the resetting endpoint may have been processed: never sent again.
      int before = resetter.requests.get();
      int backendBefore = backend.hits.get();
      IOException failure = null;
      for (int i = 0; i < 4 && failure == null; i++) {
        Request post = new Request.Builder().url("http://orders/new").post(RequestBody.create("item", TEXT)).build();
        try (Response r = client.newCall(post).execute()) {
          assertThat(r.code()).isEqualTo(200);
        } catch (IOException e) {
          failure = e;
        }
      }
      assertThat(failure).as("a POST cut by a reset fails").isNotNull();
      assertThat(resetter.requests.get() - before).isEqualTo(1);
      assertThat(backend.hits.get() - backendBefore).as("POSTs the healthy endpoint saw").isLessThan(4);
    }
  }

  /** A raw server that reads each request's head and then resets the connection (RST). */
  private static final class Resetter implements AutoCloseable {
    final AtomicInteger requests = new AtomicInteger();
    private final ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    private final Thread acceptor = new Thread(this::serve, "resetter");

    Resetter() throws IOException {
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void serve() {
      while (!server.isClosed()) {
        try (Socket s = server.accept()) {
          InputStream in = s.getInputStream();
          int matched = 0;
          int b;
          while (matched < 4 && (b = in.read()) >= 0) {
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
          }
          requests.incrementAndGet();
          s.setSoLinger(true, 0); // close() now sends RST: the connection breaks mid-exchange
        } catch (IOException e) {
          // closed
        }
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
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
