package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.Mesh;
import io.meshwork.core.inbound.InboundCaller;
import io.meshwork.core.inbound.RefusalKind;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.ServerPolicy;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.tls.MeshTls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end, who calls a service: a mesh client with a development-CA identity calls the embedded
 * server over mutual TLS, and the server's {@link Mesh#inboundCallers()} shows the SPIFFE ID of the
 * client certificate with its accepted and refused requests.
 */
class MeshInboundCallersIntegrationTest {
  private static final String FRONTEND = "spiffe://meshwork.test/service/frontend";

  @TempDir Path dir;
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private Mesh serverMesh;
  private Mesh clientMesh;
  private MeshHttpServer server;
  private OkHttpClient client;

  @BeforeEach
  void setUp() {
    registry.setMesh(new MeshSettings("meshwork.test", TlsMode.STRICT));
    Path ca = dir.resolve("ca");
    serverMesh = Mesh.builder().serviceName("greeter").registry(registry).meterRegistry(new SimpleMeterRegistry())
        .identity(MeshTls.developmentCa(ca)).build();
    clientMesh = Mesh.builder().serviceName("frontend").registry(registry).meterRegistry(new SimpleMeterRegistry())
        .identity(MeshTls.developmentCa(ca)).build();
  }

  @AfterEach
  void tearDown() {
    if (client != null) {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
    if (server != null) server.close();
    clientMesh.close();
    serverMesh.close();
    registry.close();
  }

  @Test
  void aCallerWithAClientCertificateIsRecordedUnderItsSpiffeId() throws Exception {
    server = MeshHttp.server(serverMesh).handler("/", exchange -> {
      byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }).start();
    allow(List.of("frontend"));
    client = MeshHttp.client(clientMesh);
    assertThat(serverMesh.inboundCallers()).isEmpty();

    assertThat(get()).isEqualTo(200);
    assertThat(get()).isEqualTo(200);
    allow(List.of("checkout"));
    assertThat(get()).isEqualTo(403);

    assertThat(serverMesh.inboundCallers()).singleElement().satisfies(c -> {
      assertThat(c.identity()).isEqualTo(FRONTEND);
      assertThat(c.accepted()).isEqualTo(2);
      assertThat(c.refused()).isEqualTo(Map.of(RefusalKind.ACCESS_DENIED, 1L));
    });
    assertThat(clientMesh.inboundCallers()).as("the client's mesh served nothing").isEmpty();
    assertThat(serverMesh.inboundCallers()).extracting(InboundCaller::identity).doesNotContain("anonymous");
  }

  private void allow(List<String> callers) {
    registry.putService(ServiceConfig.builder("greeter")
        .addEndpoint(Endpoint.of(server.address().toString()))
        .server(new ServerPolicy(callers)).build());
  }

  private int get() throws Exception {
    try (Response r = client.newCall(new Request.Builder().url("http://greeter/").build()).execute()) {
      return r.code();
    }
  }
}
