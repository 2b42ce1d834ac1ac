package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.Destination;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.RetryPolicy;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A server that closes every connection right after answering, without saying so (as an idle
 * timeout does): the next request finds its pooled connection closed. OkHttp sends an
 * idempotent request again on a fresh connection; that must keep working through the mesh.
 */
class StaleConnectionIntegrationTest {
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh mesh = Meshes.of("frontend", registry);
  private final OkHttpClient client = MeshHttp.client(mesh);
  private final ExecutorService serverThreads = Executors.newCachedThreadPool();
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger requests = new AtomicInteger();
  private ServerSocket server;

  @AfterEach
  void tearDown() throws Exception {
    if (server != null) server.close();
    serverThreads.shutdownNow();
    assertThat(serverThreads.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    mesh.close();
    registry.close();
    client.dispatcher().executorService().shutdown();
  }

  @Test
  void passThroughGetsOnConnectionsTheServerClosedAreSentAgainOnFreshOnes() throws IOException {
    int port = startAnswerThenCloseServer();
    for (int i = 0; i < 3; i++) {
      assertThat(get("http://127.0.0.1:" + port + "/")).isEqualTo(200);
    }
    assertThat(connections.get()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void meshGetsOnConnectionsTheServerClosedSucceedWithinOneAttemptEach() throws IOException {
    int port = startAnswerThenCloseServer();
    registry.putService(ServiceConfig.builder("greeter").endpoints(java.util.List.of(Endpoint.of("127.0.0.1:" + port)))
        .client(ClientPolicy.builder().retries(RetryPolicy.DEFAULT.withMaxAttempts(1)).build()).build());
    Destination greeter = mesh.destination("greeter");
    for (int i = 0; i < 3; i++) {
      assertThat(get("http://greeter/")).isEqualTo(200);
    }
    assertThat(greeter.endpoints()).singleElement().satisfies(e -> {
      assertThat(e.attempts()).as("mesh attempts").isEqualTo(3);
      assertThat(e.failures()).isZero();
    });
    assertThat(requests.get()).as("requests the server answered").isEqualTo(3);
  }

  private int get(String url) throws IOException {
    try (Response r = client.newCall(new Request.Builder().url(url).build()).execute()) {
      assertThat(r.body().string()).isEqualTo("ok");
      return r.code();
    }
  }

  /** A loopback HTTP/1.1 server that reads one request per connection, answers 200 "ok" and closes. */
  private int startAnswerThenCloseServer() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    serverThreads.execute(() -> {
      while (!server.isClosed()) {
        Socket s;
        try {
          s = server.accept();
        } catch (IOException e) {
          return;
        }
        connections.incrementAndGet();
        serverThreads.execute(() -> answerAndClose(s));
      }
    });
    return server.getLocalPort();
  }

  private void answerAndClose(Socket s) {
    try (s) {
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
      String line = in.readLine();
      if (line == null) return; // a connection closed before sending anything
      while ((line = in.readLine()) != null && !line.isEmpty()) {
        // headers; GETs have no body
      }
      requests.incrementAndGet();
      OutputStream out = s.getOutputStream();
      out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    } catch (IOException e) {
      // the client went away
    }
  }
}
