package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshwork.core.Mesh;
import io.meshwork.core.WarmUp;
import io.meshwork.core.model.Address;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.model.ServerPolicy;
import io.meshwork.tls.testing.Pki;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MeshHttp#warmUp}: before the first call, a connection with its mutual TLS handshake is
 * open to every endpoint, and the first calls reuse them.
 */
class WarmUpIntegrationTest {
  @TempDir Path dir;
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final List<Backend> backends = new ArrayList<>();
  private Pki pki;
  private Mesh serverMesh;
  private Mesh clientMesh;
  private OkHttpClient client;

  @BeforeEach
  void setUp() {
    registry.setMesh(new MeshSettings(Pki.TRUST_DOMAIN, TlsMode.STRICT));
    pki = new Pki(dir.resolve("ca"));
    serverMesh = Meshes.of("greeter", registry);
    clientMesh = Meshes.of("frontend", registry);
    for (int i = 0; i < 3; i++) backends.add(Backend.start(serverMesh, pki.tls("greeter")));
    client = MeshHttp.client(clientMesh, pki.tls("frontend"));
  }

  @AfterEach
  void tearDown() {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
    backends.forEach(Backend::close);
    clientMesh.close();
    serverMesh.close();
    registry.close();
    pki.close();
  }

  @Test
  void warmingUpOpensAnMtlsConnectionToEveryEndpointThatTheFirstCallsReuse() throws Exception {
    Meshes.putAllowing(registry, "greeter", backends, "frontend");

    WarmUp w = MeshHttp.warmUp(client, "greeter", Duration.ofSeconds(5));

    assertThat(w.complete()).as("%s", w).isTrue();
    assertThat(w.reached()).containsExactlyInAnyOrderElementsOf(backends.stream().map(b -> b.endpoint().address()).toList());
    for (Backend b : backends) {
      assertThat(b.hits.get()).as("requests at %s", b.port()).isEqualTo(1);
      assertThat(b.tlsSessions).as("TLS handshakes at %s", b.port()).hasSize(1);
    }
    assertThat(client.connectionPool().connectionCount()).isEqualTo(3);
    assertThat(clientMesh.destination("greeter").endpoints()).allSatisfy(e -> assertThat(e.attempts()).isZero());

    for (int i = 0; i < 6; i++) {
      try (Response r = client.newCall(new Request.Builder().url("http://greeter/").build()).execute()) {
        assertThat(r.code()).isEqualTo(200);
      }
    }
    assertThat(backends.stream().mapToInt(b -> b.hits.get()).sum()).isEqualTo(9);
    assertThat(backends).as("no new handshake for the first calls")
        .allSatisfy(b -> assertThat(b.tlsSessions).hasSize(1));
  }

  @Test
  void anEndpointThatCannotBeReachedIsReportedWithWhy() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    registry.putService(ServiceConfig.builder("greeter")
        .endpoints(List.of(backends.get(0).endpoint(), Endpoint.of("127.0.0.1:" + closed)))
        .server(new ServerPolicy(List.of("frontend"))).build());

    WarmUp w = MeshHttp.warmUp(client, "greeter", Duration.ofSeconds(2));

    assertThat(w.complete()).isFalse();
    assertThat(w.reached()).containsExactly(backends.get(0).endpoint().address());
    assertThat(w.failed()).containsOnlyKeys(new Address("127.0.0.1", closed));
  }

  @Test
  void onlyAMeshClientCanWarmUpAndOnlyForAServiceTheRegistryNames() {
    Meshes.putAllowing(registry, "greeter", backends, "frontend");
    assertThatThrownBy(() -> MeshHttp.warmUp(new OkHttpClient(), "greeter", Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("client: not a mesh client");
    assertThatThrownBy(() -> MeshHttp.warmUp(client, "billing", Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("service: billing");
  }
}
