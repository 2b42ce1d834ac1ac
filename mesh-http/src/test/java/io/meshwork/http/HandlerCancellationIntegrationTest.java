package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import io.meshwork.core.Cancellation;
import io.meshwork.core.Deadline;
import io.meshwork.core.DeadlineExceededException;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshContext;
import io.meshwork.core.internal.SharedTimer;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A handler is told when its request's deadline passes ({@link MeshContext#currentCancellation()}),
 * and its own mesh calls after that fail at once, without reaching the network.
 */
class HandlerCancellationIntegrationTest {
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh callerMesh = Meshes.of("frontend", registry);
  private final Mesh middleMesh = Meshes.of("middle", registry);
  private final Mesh backMesh = Meshes.of("back", registry);
  private final OkHttpClient caller = MeshHttp.client(callerMesh);
  private final OkHttpClient middleClient = MeshHttp.client(middleMesh);
  private MeshHttpServer middle;
  private Backend back;

  /** What the slow handler saw. */
  private final CompletableFuture<Boolean> cancelledOnEntry = new CompletableFuture<>();
  private final CompletableFuture<Long> listenerLateByNanos = new CompletableFuture<>();
  private final CompletableFuture<Long> pollLateByNanos = new CompletableFuture<>();
  private final CompletableFuture<Throwable> ownCallFailure = new CompletableFuture<>();
  private final CompletableFuture<Long> ownCallNanos = new CompletableFuture<>();
  private final AtomicBoolean quickListenerRan = new AtomicBoolean();

  @BeforeEach
  void setUp() {
    back = Backend.start(backMesh);
    registry.putService(ServiceConfig.of("back", back.endpoint()));
    middle = MeshHttp.server(middleMesh)
        .handler("/slow", this::slow)
        .handler("/quick", this::quick)
        .handler("/warm", exchange -> answer(exchange, "warm"))
        .start();
    registry.putService(ServiceConfig.builder("middle")
        .endpoints(List.of(Endpoint.of("127.0.0.1:" + middle.port())))
        .client(ClientPolicy.builder().timeout(Duration.ofMillis(300)).build())
        .build());
    // Connections and classes ready on both hops: the first calls of a fresh JVM may take longer
    // than the 300 ms deadline on a loaded machine.
    assertThat(MeshHttp.warmUp(caller, "middle", Duration.ofSeconds(5)).failed()).isEmpty();
    assertThat(MeshHttp.warmUp(middleClient, "back", Duration.ofSeconds(5)).failed()).isEmpty();
    for (int i = 0; i < 5; i++) {
      try (Response r = caller.newCall(new Request.Builder().url("http://middle/warm").build()).execute()) {
        r.body().string();
      } catch (IOException e) {
        // still warming up
      }
    }
    back.hits.set(0);
  }

  @AfterEach
  void tearDown() {
    middle.close();
    back.close();
    callerMesh.close();
    middleMesh.close();
    backMesh.close();
    registry.close();
    caller.dispatcher().executorService().shutdown();
    middleClient.dispatcher().executorService().shutdown();
  }

  /** Works past its deadline (polling for it), then calls back through the mesh. */
  private void slow(HttpExchange exchange) throws IOException {
    Cancellation c = MeshContext.currentCancellation();
    Deadline deadline = c.deadline();
    cancelledOnEntry.complete(MeshContext.isCancelled());
    c.onCancelled(() -> listenerLateByNanos.complete(-deadline.remainingNanos(middleMesh.ticker())));
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (!MeshContext.isCancelled() && System.nanoTime() < until) {
      pause(5);
    }
    pollLateByNanos.complete(-deadline.remainingNanos(middleMesh.ticker()));
    long start = System.nanoTime();
    try (Response r = middleClient.newCall(new Request.Builder().url("http://back/").build()).execute()) {
      ownCallFailure.complete(null);
    } catch (IOException e) {
      ownCallFailure.complete(e);
    } finally {
      ownCallNanos.complete(System.nanoTime() - start);
    }
    answer(exchange, "too late");
  }

  /** Adds a listener and answers at once, well before its deadline. */
  private void quick(HttpExchange exchange) throws IOException {
    MeshContext.currentCancellation().onCancelled(() -> quickListenerRan.set(true));
    answer(exchange, "quick");
  }

  private static void answer(HttpExchange exchange, String text) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      in.readAllBytes();
    }
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    try {
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    } catch (IOException e) {
      // the caller left at its deadline
    }
  }

  private static void pause(long millis) {
    try {
      TimeUnit.MILLISECONDS.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aHandlerPastItsDeadlineIsToldAndItsOwnMeshCallFailsAtOnceWithoutReachingTheNetwork() throws Exception {
    assertThatThrownBy(() -> caller.newCall(new Request.Builder().url("http://middle/slow").build()).execute())
        .isInstanceOfSatisfying(MeshIOException.class,
            e -> assertThat(e.reason()).isInstanceOf(DeadlineExceededException.class));

    assertThat(cancelledOnEntry.get(5, TimeUnit.SECONDS)).as("cancelled when the handler began").isFalse();
    long listenerLate = TimeUnit.NANOSECONDS.toMillis(listenerLateByNanos.get(5, TimeUnit.SECONDS));
    long pollLate = TimeUnit.NANOSECONDS.toMillis(pollLateByNanos.get(5, TimeUnit.SECONDS));
    System.out.println("HandlerCancellationIntegrationTest: listener ran " + listenerLate + " ms after the deadline,"
        + " poll saw it " + pollLate + " ms after");
    assertThat(listenerLate).as("ms after the deadline that the listener ran").isBetween(0L, 50L);
    assertThat(pollLate).as("ms after the deadline that polling saw it").isBetween(0L, 50L);

    Throwable failure = ownCallFailure.get(5, TimeUnit.SECONDS);
    assertThat(failure).isInstanceOfSatisfying(MeshIOException.class, e -> {
      assertThat(e.reason()).isInstanceOf(DeadlineExceededException.class);
      assertThat(e.getMessage()).startsWith("back: deadline exceeded before the call started (inherited deadline passed ");
      assertThat(e.requestSent()).isFalse();
    });
    long ownCallMillis = TimeUnit.NANOSECONDS.toMillis(ownCallNanos.get(5, TimeUnit.SECONDS));
    System.out.println("HandlerCancellationIntegrationTest: the handler's own call failed in " + ownCallMillis + " ms");
    assertThat(ownCallMillis).as("ms the handler's own mesh call took to fail").isLessThan(50L);
    assertThat(back.hits.get()).as("requests that reached back").isZero();
  }

  @Test
  void aListenerOfARequestThatEndedInTimeNeverRunsAndLeavesNoTimerEntry() throws Exception {
    try (Response r = caller.newCall(new Request.Builder().url("http://middle/quick").build()).execute()) {
      assertThat(r.body().string()).isEqualTo("quick");
    }
    // The server ends the request (and its cancellation) right after the response is written.
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> SharedTimer.queued() == 0);
    // Past the request's 300 ms deadline, the listener still has not run: the request had ended.
    org.awaitility.Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
        .until(() -> !quickListenerRan.get());
  }
}
