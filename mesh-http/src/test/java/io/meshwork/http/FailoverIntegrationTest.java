package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Destination;
import io.meshwork.core.EndpointStatus;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.OutlierDetectionPolicy;
import io.meshwork.core.model.RetryCondition;
import io.meshwork.core.model.RetryPolicy;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real servers on loopback, real OkHttp: instances stop, restart and churn while calls run. */
class FailoverIntegrationTest {
  private static final ClientPolicy POLICY = ClientPolicy.builder()
      .timeout(Duration.ofSeconds(2))
      .retries(RetryPolicy.DEFAULT
          .withOn(EnumSet.of(RetryCondition.CONNECT_FAILURE, RetryCondition.RESET, RetryCondition.UNAVAILABLE), Set.of())
          .withBackoff(Duration.ofMillis(1), Duration.ofMillis(5)))
      .outlierDetection(new OutlierDetectionPolicy(true, 3, Duration.ofSeconds(1), Duration.ofSeconds(1), 50, 50))
      .build();

  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("greeter", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  private final OkHttpClient client = MeshHttp.client(clientMesh);
  private final List<Backend> backends = new ArrayList<>();
  private final ExecutorService workers = Executors.newFixedThreadPool(4);
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicInteger ok = new AtomicInteger();
  private final Queue<String> failures = new ConcurrentLinkedQueue<>();

  @AfterEach
  void tearDown() throws InterruptedException {
    running.set(false);
    workers.shutdownNow();
    workers.awaitTermination(5, TimeUnit.SECONDS);
    backends.forEach(Backend::close);
    clientMesh.close();
    serverMesh.close();
    registry.close();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  @Test
  void stoppingAnInstanceMidRunFailsNoRequestEjectsItAndARestartOnTheSamePortGetsTrafficAgain() throws Exception {
    for (int i = 0; i < 3; i++) backends.add(Backend.start(serverMesh));
    registry.putService(service("greeter", backends));
    Destination greeter = clientMesh.destination("greeter");
    List<Future<?>> loops = startClients("greeter", 4, 20_000);

    await().atMost(Duration.ofSeconds(5)).until(() -> backends.stream().allMatch(b -> b.hits.get() >= 20));
    Backend victim = backends.get(1);
    int port = victim.port();
    victim.close();
    int hitsWhenStopped = victim.hits.get();

    await().atMost(Duration.ofSeconds(5)).until(() -> status(greeter, port).ejections() >= 1);
    int okAtEjection = ok.get();
    await().atMost(Duration.ofSeconds(5)).until(() -> ok.get() >= okAtEjection + 200);
    assertThat(victim.hits.get()).isEqualTo(hitsWhenStopped);

    // Restart on the same port (the old socket may linger a moment).
    Backend[] restarted = new Backend[1];
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
        .until(() -> (restarted[0] = Backend.start(serverMesh, port)) != null);
    backends.set(1, restarted[0]);
    // Ejection lasts 1s (maxEjection 1s); after it the restarted instance is picked again.
    await().atMost(Duration.ofSeconds(8)).until(() -> restarted[0].hits.get() >= 20);

    stopClients(loops);
    assertThat(failures).isEmpty();
    assertThat(ok.get()).isGreaterThan(400);
  }

  @Test
  void endpointsAddedAndRemovedInTheRegistryWhileCallsRunFailNoCall() throws Exception {
    for (int i = 0; i < 4; i++) backends.add(Backend.start(serverMesh));
    registry.putService(service("churn", backends.subList(0, 1)));
    List<Future<?>> loops = startClients("churn", 4, 20_000);

    java.util.Random random = new java.util.Random(42);
    for (int change = 0; change < 40; change++) {
      List<Backend> subset = new ArrayList<>();
      for (Backend b : backends) if (random.nextBoolean()) subset.add(b);
      if (subset.isEmpty()) subset.add(backends.get(change % backends.size()));
      registry.putService(service("churn", subset));
      Thread.sleep(15);
    }
    registry.putService(service("churn", backends));
    int okNow = ok.get();
    await().atMost(Duration.ofSeconds(5)).until(() -> ok.get() >= okNow + 100);

    stopClients(loops);
    assertThat(failures).isEmpty();
    assertThat(ok.get()).isGreaterThan(200);
    assertThat(backends).allSatisfy(b -> assertThat(b.hits.get()).isPositive());
  }

  private static ServiceConfig service(String name, List<Backend> instances) {
    List<Endpoint> endpoints = new ArrayList<>();
    for (Backend b : instances) endpoints.add(b.endpoint());
    return ServiceConfig.builder(name).endpoints(endpoints).client(POLICY).build();
  }

  private static EndpointStatus status(Destination d, int port) {
    return d.endpoints().stream().filter(s -> s.endpoint().address().port() == port).findFirst().orElseThrow();
  }

  /** Clients that send GETs until stopped, each at most {@code maxPerClient} of them. */
  private List<Future<?>> startClients(String service, int n, int maxPerClient) {
    List<Future<?>> loops = new ArrayList<>();
    for (int t = 0; t < n; t++) {
      loops.add(workers.submit(() -> {
        for (int i = 0; i < maxPerClient && running.get(); i++) {
          Request request = new Request.Builder().url("http://" + service + "/hello").build();
          try (Response response = client.newCall(request).execute()) {
            String body = response.body().string();
            if (response.code() == 200 && body.equals("ok")) ok.incrementAndGet();
            else failures.add("HTTP " + response.code() + " " + body);
          } catch (IOException e) {
            failures.add(e.toString());
          }
        }
      }));
    }
    return loops;
  }

  private void stopClients(List<Future<?>> loops) throws Exception {
    running.set(false);
    for (Future<?> f : loops) f.get(10, TimeUnit.SECONDS);
  }
}
