package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshwork.core.Mesh;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.testing.Pki;
import java.nio.file.Path;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configuring a builder twice: the same mesh and identity change nothing, anything else is refused. */
class MeshHttpConfigureTest {
  @TempDir Path dir;
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh mesh = Meshes.of("frontend", registry);
  private Pki pki;

  @BeforeEach
  void setUp() {
    pki = new Pki(dir.resolve("ca"));
  }

  @AfterEach
  void tearDown() {
    mesh.close();
    registry.close();
    pki.close();
  }

  @Test
  void configuringAgainWithTheSameMeshAndIdentityChangesNothing() {
    MeshTls tls = pki.tls("frontend");
    OkHttpClient.Builder b = MeshHttp.configure(mesh, tls, new OkHttpClient.Builder());
    MeshHttp.configure(mesh, tls, b);
    assertThat(b.interceptors()).hasSize(1);
    OkHttpClient.Builder plain = MeshHttp.configure(mesh, new OkHttpClient.Builder());
    MeshHttp.configure(mesh, plain);
    assertThat(plain.interceptors()).hasSize(1);
  }

  @Test
  void aDerivedBuilderOfAPlaintextClientCannotSilentlyStayPlaintextWhenAskedForTls() {
    OkHttpClient plaintext = MeshHttp.client(mesh);
    try {
      assertThatThrownBy(() -> MeshHttp.configure(mesh, pki.tls("frontend"), plaintext.newBuilder()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("builder: already calls through the mesh of frontend without a MeshTls"
              + " (expected: a builder without a mesh interceptor, or the same mesh and MeshTls)");
    } finally {
      plaintext.dispatcher().executorService().shutdown();
    }
  }
}
