package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.Deadline;
import io.meshwork.core.DeadlineExceededException;
import io.meshwork.core.Destination;
import io.meshwork.core.EndpointStatus;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshContext;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Asynchronous calls ({@code enqueue}) the way services make them: many at once, queued by the
 * dispatcher, and cancelled by callers that give up first.
 */
class AsyncCallsIntegrationTest {
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("orders", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  private final List<Backend> backends = new ArrayList<>();
  private final List<OkHttpClient> clients = new ArrayList<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void tearDown() {
    timer.shutdownNow();
    clients.forEach(c -> {
      c.dispatcher().cancelAll();
      c.dispatcher().executorService().shutdownNow();
    });
    backends.forEach(Backend::close);
    clientMesh.close();
    serverMesh.close();
    registry.close();
  }

  private Backend backend(long delayMillis) {
    Backend b = Backend.start(serverMesh).delay(delayMillis);
    backends.add(b);
    return b;
  }

  private OkHttpClient client(OkHttpClient c) {
    clients.add(c);
    return c;
  }

  /** What one enqueued call came to, and how long after enqueue() it took. */
  record Result(int status, IOException failure, long millis) {}

  /** Enqueues a GET of {@code url}; the future completes when the callback runs. */
  private static CompletableFuture<Result> enqueue(OkHttpClient client, String url, List<Call> calls) {
    CompletableFuture<Result> f = new CompletableFuture<>();
    long start = System.nanoTime();
    Call call = client.newCall(new Request.Builder().url(url).build());
    if (calls != null) calls.add(call);
    call.enqueue(new Callback() {
      @Override
      public void onResponse(Call c, Response r) throws IOException {
        try (r) {
          r.body().string();
          f.complete(new Result(r.code(), null, (System.nanoTime() - start) / 1_000_000));
        }
      }

      @Override
      public void onFailure(Call c, IOException e) {
        f.complete(new Result(0, e, (System.nanoTime() - start) / 1_000_000));
      }
    });
    return f;
  }

  @Test
  void twoHundredConcurrentAsyncCallsToOneServiceAllCompleteWithinTheirDeadline() throws Exception {
    AtomicInteger inServer = new AtomicInteger();
    AtomicInteger peakInServer = new AtomicInteger();
    // A 50 ms server that counts the requests it holds at once.
    MeshHttpServer server = MeshHttpServer.builder(serverMesh).bind("127.0.0.1", 0).handler("/", exchange -> {
      peakInServer.accumulateAndGet(inServer.incrementAndGet(), Math::max);
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      inServer.decrementAndGet();
      exchange.sendResponseHeaders(200, 2);
      exchange.getResponseBody().write("ok".getBytes());
      exchange.close();
    }).start();
    try {
      registry.putService(ServiceConfig.builder("orders").endpoints(List.of(
              io.meshwork.core.model.Endpoint.of("127.0.0.1:" + server.port())))
          .client(ClientPolicy.builder().timeout(Duration.ofMillis(1500)).build()).build());
      // As it comes: no tuning. OkHttp's 5 per host would need 200 × 50 ms / 5 = 2 s for the
      // last call, past the 1.5 s deadline; the mesh's dispatcher answers all within ~250 ms on
      // an idle machine, and the margin is for a loaded one.
      OkHttpClient client = client(MeshHttp.client(clientMesh));

      List<CompletableFuture<Result>> results = new ArrayList<>();
      for (int i = 0; i < 200; i++) results.add(enqueue(client, "http://orders/", null));
      CompletableFuture.allOf(results.toArray(new CompletableFuture[0])).get(20, TimeUnit.SECONDS);

      for (CompletableFuture<Result> r : results) {
        Result x = r.get();
        assertThat(x.failure()).as("failure of an async call").isNull();
        assertThat(x.status()).isEqualTo(200);
        assertThat(x.millis()).as("time from enqueue() to the answer, against the 1.5 s deadline").isLessThan(1_500);
      }
      assertThat(peakInServer.get()).as("requests the server held at once (5 = OkHttp's per-host limit)")
          .isGreaterThan(20);
    } finally {
      server.close();
    }
  }

  @Test
  void aMeshClientLiftsOkHttpsDefaultDispatcherLimitsAndKeepsLimitsTheApplicationSet() {
    Dispatcher defaults = client(MeshHttp.client(clientMesh)).dispatcher();
    assertThat(defaults.getMaxRequestsPerHost()).isEqualTo(MeshHttp.DISPATCHER_MAX_REQUESTS);
    assertThat(defaults.getMaxRequests()).isEqualTo(MeshHttp.DISPATCHER_MAX_REQUESTS);

    Dispatcher own = new Dispatcher();
    own.setMaxRequests(32);
    own.setMaxRequestsPerHost(16);
    Dispatcher kept = client(MeshHttp.configure(clientMesh, new OkHttpClient.Builder().dispatcher(own)).build()).dispatcher();
    assertThat(kept.getMaxRequests()).isEqualTo(32);
    assertThat(kept.getMaxRequestsPerHost()).isEqualTo(16);
  }

  @Test
  void timeACallSpentQueuedInTheDispatcherCountsAgainstItsDeadline() throws Exception {
    Backend b = backend(300);
    registry.putService(ServiceConfig.builder("orders").endpoints(List.of(b.endpoint()))
        .client(ClientPolicy.builder().timeout(Duration.ofMillis(500)).build()).build());
    Dispatcher one = new Dispatcher();
    one.setMaxRequests(1); // the application's own limit: the second call waits for the first
    OkHttpClient client = client(MeshHttp.configure(clientMesh, new OkHttpClient.Builder().dispatcher(one)).build());

    CompletableFuture<Result> first = enqueue(client, "http://orders/", null);
    CompletableFuture<Result> second = enqueue(client, "http://orders/", null);

    assertThat(first.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
    Result late = second.get(10, TimeUnit.SECONDS);
    // Queued at least 300 ms behind the first, it has at most 200 ms of its 500 ms left when the
    // mesh sees it: the 300 ms server cannot make that, and it fails at its deadline counted from
    // enqueue() (before, the mesh gave it a fresh 500 ms and it succeeded 300 ms late).
    assertThat(late.failure()).isInstanceOf(MeshIOException.class);
    assertThat(((MeshIOException) late.failure()).reason()).isInstanceOf(DeadlineExceededException.class);
    assertThat(late.millis()).as("from enqueue() to the failure").isBetween(450L, 800L);
  }

  @Test
  void aQueuedCallRunsInTheContextItWasMadeIn() throws Exception {
    Backend b = backend(200);
    registry.putService(ServiceConfig.of("orders", b.endpoint())); // the default 10 s timeout
    Dispatcher one = new Dispatcher();
    one.setMaxRequests(1);
    OkHttpClient client = client(MeshHttp.configure(clientMesh, new OkHttpClient.Builder().dispatcher(one)).build());

    CompletableFuture<Result> first = enqueue(client, "http://orders/", null);
    CompletableFuture<Result> second;
    // Made under a 3 s deadline; run later by the thread that finished the first call.
    try (Scope s = MeshContext.withDeadline(Context.current(), Deadline.after(Duration.ofSeconds(3), clientMesh.ticker()))
        .makeCurrent()) {
      second = enqueue(client, "http://orders/", null);
    }

    assertThat(first.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
    assertThat(second.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
    List<String> sent = List.copyOf(b.timeoutHeaders);
    assertThat(Long.parseLong(sent.get(0))).as("the first call: the policy's 10 s").isGreaterThan(9_000);
    assertThat(Long.parseLong(sent.get(1))).as("the second call: its caller's 3 s, less its wait").isBetween(2_000L, 3_000L);
  }

  @Test
  void callersThatCancelTeachTheBalancerWithoutHurtingTheEndpointsHealth() throws Exception {
    Backend hung = backend(3_000);
    Backend fast = backend(10);
    registry.putService(ServiceConfig.builder("orders").endpoints(List.of(hung.endpoint(), fast.endpoint()))
        .client(ClientPolicy.builder().timeout(Duration.ofSeconds(2)).build()).build());
    OkHttpClient client = client(MeshHttp.client(clientMesh));
    Destination orders = clientMesh.destination("orders");

    // Callers that give up after 300 ms, before the mesh's 2 s timeout: cancel() at their deadline.
    Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
    for (int round = 0; round < 10; round++) {
      List<Call> calls = new ArrayList<>();
      List<CompletableFuture<Result>> results = new ArrayList<>();
      for (int i = 0; i < 4; i++) results.add(enqueue(client, "http://orders/", calls));
      for (Call c : calls) timer.schedule(c::cancel, 300, TimeUnit.MILLISECONDS);
      for (CompletableFuture<Result> r : results) statuses.merge(r.get(10, TimeUnit.SECONDS).status(), 1, Integer::sum);
    }

    EndpointStatus h = orders.endpoints().get(0);
    EndpointStatus f = orders.endpoints().get(1);
    assertThat(h.ewmaLatencyNanos()).as("the hung endpoint's estimate, learned from cancellations")
        .isGreaterThan(TimeUnit.MILLISECONDS.toNanos(250));
    assertThat(h.ewmaLatencyNanos()).isGreaterThan(f.ewmaLatencyNanos());
    assertThat(h.attempts()).as("attempts the hung endpoint got of 40").isLessThan(8);
    assertThat(h.failures()).as("cancellations are not the endpoint's failures").isZero();
    assertThat(h.ejected()).isFalse();
    assertThat(statuses.get(200)).as("calls answered").isGreaterThan(32);
  }
}
