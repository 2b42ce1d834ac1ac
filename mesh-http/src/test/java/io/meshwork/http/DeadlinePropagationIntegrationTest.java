package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshwork.core.Deadline;
import io.meshwork.core.DeadlineExceededException;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshContext;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.RetryCondition;
import io.meshwork.core.model.RetryPolicy;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A → B → C on loopback: the deadline set at A bounds every hop without any forwarding code. */
class DeadlinePropagationIntegrationTest {
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh meshA = Meshes.of("a", registry);
  private final Mesh meshB = Meshes.of("b", registry);
  private final Mesh meshC = Meshes.of("c", registry);
  private final OkHttpClient clientA = MeshHttp.client(meshA);
  private final OkHttpClient clientB = MeshHttp.client(meshB);
  private MeshHttpServer serverB;
  private Backend c;

  @AfterEach
  void tearDown() {
    if (serverB != null) serverB.close();
    if (c != null) c.close();
    meshA.close();
    meshB.close();
    meshC.close();
    registry.close();
    clientA.dispatcher().executorService().shutdown();
    clientB.dispatcher().executorService().shutdown();
  }

  @Test
  void aDeadlineOf300MillisecondsAtAStopsTheChainNearThreeHundredMillisecondsAndBDoesNotRetryPastIt() throws Exception {
    registry.putService(ServiceConfig.builder("b")
        .client(ClientPolicy.builder().timeout(Duration.ofMillis(300)).build()).build());
    // B would retry timeouts and 5xx from C, if the deadline let it.
    registry.putService(ServiceConfig.builder("c").client(ClientPolicy.builder()
        .retries(RetryPolicy.DEFAULT.withOn(EnumSet.of(RetryCondition.PER_TRY_TIMEOUT, RetryCondition.RESET,
            RetryCondition.SERVER_ERROR, RetryCondition.CONNECT_FAILURE), Set.of()))
        .build()).build());

    c = Backend.startRegistered(meshC).delay(1000);
    AtomicReference<String> bSaw = new AtomicReference<>();
    CountDownLatch bDone = new CountDownLatch(1);
    serverB = MeshHttpServer.builder(meshB).handler("/", exchange -> {
      // No header forwarding: the call to C inherits this request's context.
      String answer;
      int status;
      try (Response r = clientB.newCall(new Request.Builder().url("http://c/slow").build()).execute()) {
        status = r.code();
        answer = r.body().string();
      } catch (IOException e) {
        status = e instanceof MeshIOException m ? m.reason().httpStatus() : 502;
        answer = e.getMessage();
      }
      bSaw.set(status + " " + answer);
      bDone.countDown(); // before answering: A may have hung up already
      byte[] body = answer.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }).register(true).start();

    long start = System.nanoTime();
    assertThatThrownBy(() -> clientA.newCall(new Request.Builder().url("http://b/hop").build()).execute())
        .isInstanceOfSatisfying(MeshIOException.class, e -> {
          assertThat(e.reason()).isInstanceOf(DeadlineExceededException.class);
          assertThat(e.getMessage()).startsWith("b: deadline exceeded");
        });
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(elapsedMillis).isBetween(250L, 700L);

    assertThat(bDone.await(2, TimeUnit.SECONDS)).isTrue();
    assertThat(bSaw.get()).startsWith("504 c: deadline exceeded");
    assertThat(c.hits.get()).as("requests C received (a retry by B would make 2)").isEqualTo(1);
    assertThat(c.attemptHeaders).isEmpty();
    assertThat(c.timeoutHeaders).singleElement()
        .satisfies(v -> assertThat(Long.parseLong(v)).isBetween(1L, 300L));
  }

  @Test
  void anEnqueuedCallCarriesTheCallersDeadlineToTheDispatcherThread() throws Exception {
    c = Backend.startRegistered(meshC);
    Deadline fiveSeconds = Deadline.after(Duration.ofSeconds(5), meshA.ticker());
    CompletableFuture<Integer> done = new CompletableFuture<>();
    try (Scope s = MeshContext.withDeadline(Context.current(), fiveSeconds).makeCurrent()) {
      clientA.newCall(new Request.Builder().url("http://c/async").build()).enqueue(new Callback() {
        @Override
        public void onFailure(okhttp3.Call call, IOException e) {
          done.completeExceptionally(e);
        }

        @Override
        public void onResponse(okhttp3.Call call, Response response) {
          try (response) {
            done.complete(response.code());
          }
        }
      });
    }
    assertThat(done.get(5, TimeUnit.SECONDS)).isEqualTo(200);
    // Without the context, the policy's 10 s default would have been sent.
    assertThat(c.timeoutHeaders).singleElement()
        .satisfies(v -> assertThat(Long.parseLong(v)).isBetween(4000L, 5000L));
  }
}
