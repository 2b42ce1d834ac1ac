package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Mesh;
import io.meshwork.core.inbound.InboundGuard;
import io.meshwork.core.registry.InMemoryRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client that hangs up while the embedded server's handler is still working: the request is
 * recorded as cancelled (outcome {@code cancelled}, status 499; {@code status=cancelled} in the
 * access log), not as the server's failure (500).
 */
class ClientHangUpIntegrationTest {
  private static final int CHUNK = 4096;
  private static final int CHUNKS = 16;

  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Tracing tracing = new Tracing(W3CTraceContextPropagator.getInstance());
  private final Mesh mesh = tracing.mesh("greeter", registry);
  private final OkHttpClient plain = new OkHttpClient();
  private final CountDownLatch started = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  /** What the handler's writes ended with: "written", or the exception. */
  private final AtomicReference<Object> written = new AtomicReference<>();
  private final MeshHttpServer server = MeshHttpServer.builder(mesh)
      .handler("/slow", exchange -> {
        started.countDown();
        awaitQuietly(release);
        // Written in flushed chunks, a few milliseconds apart, as a handler streaming its answer
        // does. The first write to a connection the client has closed still succeeds (the client's
        // system answers it with a reset); a later one fails.
        exchange.sendResponseHeaders(200, (long) CHUNK * CHUNKS);
        try (OutputStream out = exchange.getResponseBody()) {
          for (int i = 0; i < CHUNKS; i++) {
            out.write(new byte[CHUNK]);
            out.flush();
            sleepQuietly(5);
          }
          written.set("written");
        } catch (IOException e) {
          written.set(e);
          throw e;
        }
      })
      .handler("/broken", exchange -> {
        // The handler's own I/O fails (a call it makes, say), before it answers: its failure.
        throw new IOException("Connection reset by peer (the handler's own downstream)");
      })
      
      .start();

  @AfterEach
  void tearDown() {
    release.countDown();
    server.close();
    mesh.close();
    registry.close();
    tracing.close();
    plain.dispatcher().executorService().shutdown();
    plain.connectionPool().evictAll();
  }

  @Test
  void aClientThatHangsUpBeforeTheAnswerIsRecordedAsCancelledNotAs500() throws Exception {
    Call call = plain.newCall(new Request.Builder().url("http://127.0.0.1:" + server.port() + "/slow").build());
    call.enqueue(new Callback() {
      @Override
      public void onFailure(Call c, IOException e) {}

      @Override
      public void onResponse(Call c, Response r) {
        r.close();
      }
    });
    assertThat(started.await(5, TimeUnit.SECONDS)).as("the handler started").isTrue();
    call.cancel(); // closes the client's socket
    release.countDown();

    await().atMost(Duration.ofSeconds(5)).until(() -> count("cancelled", "499") == 1);
    assertThat(written.get()).as("the handler's writes failed").isInstanceOf(IOException.class);
    assertThat(count("failure", "500")).isZero();
    assertThat(mesh.meterRegistry().find(InboundGuard.REQUESTS).timers()).hasSize(1);
    // Not the server's failure: the span keeps the handler's status and is no error.
    assertThat(tracing.spans()).singleElement().satisfies(span -> {
      assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
      assertThat(span.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200L);
      assertThat(span.getAttributes().get(AttributeKey.stringKey("error.type"))).isNull();
    });
  }

  @Test
  void aHandlersOwnIoFailureIsStillA500Failure() throws Exception {
    try (Response r = plain.newCall(new Request.Builder().url("http://127.0.0.1:" + server.port() + "/broken").build())
        .execute()) {
      assertThat(r.code()).isEqualTo(500);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> count("failure", "500") == 1);
    assertThat(count("cancelled", "499")).isZero();
    assertThat(tracing.spans()).singleElement().satisfies(span -> {
      assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(span.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("java.io.IOException");
    });
  }

  private long count(String outcome, String status) {
    Timer t = mesh.meterRegistry().find(InboundGuard.REQUESTS).tag("service", "greeter").tag("route", "GET")
        .tag("outcome", outcome).tag("status", status).timer();
    return t == null ? 0 : t.count();
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
