package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import io.grpc.ManagedChannel;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.Address;
import io.meshwork.core.model.Protocol;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.DocumentSource;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.core.registry.MeshDocumentParser;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloRequest;
import io.meshwork.http.MeshHttp;
import io.meshwork.http.MeshHttpServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One service, one process, two protocols: an HTTP server and a gRPC server of the same mesh, one
 * registry endpoint with both ports, and a mesh OkHttp client and a mesh channel that each reach
 * their own server.
 */
class MixedProtocolsIntegrationTest {
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("greeter", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  private final AtomicInteger httpHits = new AtomicInteger();
  private MeshHttpServer http = MeshHttp.server(serverMesh).handler("/", this::answer).start();
  private Backend grpc = Backend.start(serverMesh);
  private final OkHttpClient httpClient = MeshHttp.client(clientMesh);
  private final ManagedChannel channel = MeshGrpc.channel(clientMesh, "greeter");

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    httpClient.dispatcher().executorService().shutdown();
    httpClient.connectionPool().evictAll();
    http.close();
    grpc.close();
    clientMesh.close();
    serverMesh.close();
    registry.close();
  }

  private void answer(HttpExchange exchange) throws IOException {
    httpHits.incrementAndGet();
    byte[] body = "hello over http".getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(200, body.length);
    exchange.getResponseBody().write(body);
    exchange.close();
  }

  private String callHttp() throws IOException {
    try (Response r = httpClient.newCall(new Request.Builder().url("http://greeter/hello").build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
      return r.body().string();
    }
  }

  private void callGrpc() {
    GreeterGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
        .sayHello(HelloRequest.newBuilder().setName("n").build());
  }

  @Test
  void oneDocumentEndpointWithBothPortsServesBothClients() throws IOException {
    registry.setDocument(MeshDocumentParser.parse(new DocumentSource("mesh.yaml", """
        services:
          greeter:
            protocol: grpc
            endpoints:
              - { address: 127.0.0.1, ports: { http: %d, grpc: %d } }
        """.formatted(http.port(), grpc.port()))));

    for (int i = 0; i < 3; i++) {
      assertThat(callHttp()).isEqualTo("hello over http");
      callGrpc();
    }

    assertThat(httpHits.get()).isEqualTo(3);
    assertThat(grpc.hellos.get()).isEqualTo(3);
  }

  @Test
  void oneMeshsTwoServersRegisterOneEndpointWithBothPorts() throws IOException {
    registry.putService(ServiceConfig.builder("greeter").protocol(Protocol.GRPC).build());
    http.close();
    grpc.close();
    // One Mesh, both transports, the same builder verbs: each server registers its own named port.
    http = MeshHttp.server(serverMesh).handler("/", this::answer).register(true).start();
    grpc = Backend.startRegistered(serverMesh);

    assertThat(clientMesh.destination("greeter").endpoints()).singleElement().satisfies(e -> {
      assertThat(e.endpoint().ports()).isEqualTo(Map.of("http", http.port(), "grpc", grpc.port()));
      assertThat(e.endpoint().address()).isEqualTo(new Address("127.0.0.1", grpc.port()));
    });
    assertThat(callHttp()).isEqualTo("hello over http");
    callGrpc();
    assertThat(httpHits.get()).isEqualTo(1);
    assertThat(grpc.hellos.get()).isEqualTo(1);

    grpc.close(); // the gRPC server stops: its port leaves, the HTTP one stays

    assertThat(clientMesh.destination("greeter").endpoints()).singleElement()
        .satisfies(e -> assertThat(e.endpoint().ports()).isEqualTo(Map.of("http", http.port())));
    assertThat(callHttp()).isEqualTo("hello over http");

    http.close();

    assertThat(clientMesh.destination("greeter").endpoints()).isEmpty();
  }
}
