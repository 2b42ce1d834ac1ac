package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.Mesh;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import java.io.IOException;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A POST tagged {@link Idempotent} is retried like a GET after it reached a server that answered
 * 503 (in the default {@code retries.on}); the same POST untagged is not.
 */
class IdempotentTagIntegrationTest {
  private static final MediaType TEXT = MediaType.get("text/plain");
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("orders", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  private final OkHttpClient client = MeshHttp.client(clientMesh);
  private Backend backend;

  @BeforeEach
  void setUp() {
    backend = Backend.start(serverMesh);
    registry.putService(ServiceConfig.of("orders", backend.endpoint())); // the default retry policy
  }

  @AfterEach
  void tearDown() {
    backend.close();
    clientMesh.close();
    serverMesh.close();
    registry.close();
    client.dispatcher().executorService().shutdown();
  }

  private static Request.Builder post(RequestBody body) {
    return new Request.Builder().url("http://orders/new").post(body);
  }

  @Test
  void aTaggedPostIsRetriedAfterA503AndSucceeds() throws IOException {
    backend.failFirst(1);
    Request request = post(RequestBody.create("item", TEXT)).tag(Idempotent.class, Idempotent.YES).build();
    try (Response r = client.newCall(request).execute()) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.body().string()).isEqualTo("ok");
    }
    assertThat(backend.hits.get()).as("requests the server saw").isEqualTo(2);
    assertThat(backend.attemptHeaders).containsExactly("2");
  }

  @Test
  void anUntypedTagCountsToo() throws IOException {
    backend.failFirst(1);
    try (Response r = client.newCall(post(RequestBody.create("item", TEXT)).tag(Idempotent.YES).build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
    assertThat(backend.hits.get()).isEqualTo(2);
  }

  @Test
  void theSamePostUntaggedIsNotRetried() throws IOException {
    backend.failFirst(1);
    try (Response r = client.newCall(post(RequestBody.create("item", TEXT)).build()).execute()) {
      assertThat(r.code()).isEqualTo(503);
    }
    assertThat(backend.hits.get()).as("requests the server saw").isEqualTo(1);
    assertThat(backend.attemptHeaders).isEmpty();
  }

  @Test
  void aTaggedPostWithAOneShotBodyIsStillNotSentTwice() throws IOException {
    backend.failFirst(1);
    Request request = post(new OneShotBody("item")).tag(Idempotent.class, Idempotent.YES).build();
    try (Response r = client.newCall(request).execute()) {
      assertThat(r.code()).isEqualTo(503);
    }
    assertThat(backend.hits.get()).isEqualTo(1);
  }

  /** A body that can be written once only. */
  private static final class OneShotBody extends RequestBody {
    private final String text;

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
      sink.writeUtf8(text);
    }
  }
}
