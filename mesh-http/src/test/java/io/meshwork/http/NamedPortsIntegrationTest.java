package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Mesh;
import io.meshwork.core.WarmUp;
import io.meshwork.core.model.Address;
import io.meshwork.core.registry.DocumentSource;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.core.registry.MeshDocumentParser;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A service whose endpoint names its ports, {@code {address: 127.0.0.1, ports: {http: P1, grpc:
 * P2}}}, with {@code protocol: grpc} so that the engine knows the endpoint as {@code
 * 127.0.0.1:P2}: calls, warm-up and health probes of an HTTP client still go to P1.
 */
class NamedPortsIntegrationTest {
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("greeter", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  private final OkHttpClient client = MeshHttp.client(clientMesh);
  private final Backend http = Backend.start(serverMesh);

  @AfterEach
  void tearDown() {
    http.close();
    clientMesh.close();
    serverMesh.close();
    registry.close();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  private void putGreeter(int grpcPort, String client) {
    registry.setDocument(MeshDocumentParser.parse(new DocumentSource("mesh.yaml", """
        services:
          greeter:
            protocol: grpc
            endpoints:
              - { address: 127.0.0.1, ports: { http: %d, grpc: %d } }
            client: %s
        """.formatted(http.port(), grpcPort, client))));
  }

  private int call() throws IOException {
    try (Response r = client.newCall(new Request.Builder().url("http://greeter/hello").build()).execute()) {
      return r.code();
    }
  }

  @Test
  void callsGoToTheHttpPortWhileTheEngineKnowsTheEndpointByItsGrpcPort() throws IOException {
    try (Backend grpcPortStandIn = Backend.start(serverMesh)) { // what listens on the grpc port
      putGreeter(grpcPortStandIn.port(), "{}");

      for (int i = 0; i < 5; i++) assertThat(call()).isEqualTo(200);

      assertThat(http.hits.get()).isEqualTo(5);
      assertThat(grpcPortStandIn.hits.get()).isZero();
      assertThat(clientMesh.destination("greeter").endpoints()).singleElement()
          .satisfies(e -> assertThat(e.endpoint().address()).isEqualTo(new Address("127.0.0.1", grpcPortStandIn.port())));
    }
  }

  @Test
  void warmUpReachesTheHttpPortAndReportsTheEndpointByItsAddress() {
    try (Backend grpcPortStandIn = Backend.start(serverMesh)) {
      putGreeter(grpcPortStandIn.port(), "{}");

      WarmUp w = MeshHttp.warmUp(client, "greeter", Duration.ofSeconds(5));

      assertThat(w.reached()).containsExactly(new Address("127.0.0.1", grpcPortStandIn.port()));
      assertThat(http.hits.get()).isEqualTo(1);
      assertThat(grpcPortStandIn.hits.get()).isZero();
    }
  }

  @Test
  void healthProbesGoToTheHttpPort() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort(); // nothing listens on the grpc port: a probe there would fail
    }
    putGreeter(closedPort, "{ healthCheck: { path: " + MeshHttpServer.DEFAULT_HEALTH_PATH + ", interval: 100ms } }");
    assertThat(call()).isEqualTo(200); // starts health checking of greeter

    HealthChecker checker = checker();
    await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(3))
        .until(() -> checker.notServing("greeter").isEmpty());
    assertThat(call()).isEqualTo(200);
  }

  private HealthChecker checker() {
    for (Interceptor i : client.interceptors()) {
      if (i instanceof MeshInterceptor m) return m.healthChecker();
    }
    throw new AssertionError("no mesh interceptor");
  }
}
