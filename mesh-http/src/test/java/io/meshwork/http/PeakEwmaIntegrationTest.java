package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.Mesh;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PeakEwmaIntegrationTest {
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("greeter", registry);
  // The run lasts about a second: with the default 10 s decay, one warm-up spike on a fast
  // instance (JIT, first connection, a GC pause on this 2-core box) would outlive the test.
  private final Mesh clientMesh = Mesh.builder().serviceName("frontend").registry(registry)
      .meterRegistry(new io.micrometer.core.instrument.simple.SimpleMeterRegistry())
      .ewmaDecay(java.time.Duration.ofSeconds(1)).build();
  private final OkHttpClient client = MeshHttp.client(clientMesh);
  private final List<Backend> backends = new ArrayList<>();
  private final ExecutorService workers = Executors.newFixedThreadPool(4);

  @AfterEach
  void tearDown() throws InterruptedException {
    workers.shutdownNow();
    workers.awaitTermination(5, TimeUnit.SECONDS);
    backends.forEach(Backend::close);
    clientMesh.close();
    serverMesh.close();
    registry.close();
    client.dispatcher().executorService().shutdown();
  }

  @Test
  void anInstanceTwoHundredMillisecondsSlowerGetsLessThanTenPercentOfTheTrafficUnderPeakEwma() throws Exception {
    // Peak-EWMA weighs latency by requests in flight: with 4 callers on 2 fast instances, the
    // slow one wins a pick only when a fast one's estimate times its queue passes the slow one's.
    // 50 ms was within reach of a fast instance on this shared 2-core machine under load (a
    // scheduling or GC stall of ~20 ms, times 2 or 3 in flight); 200 ms is not.
    Backend slow = Backend.start(serverMesh).delay(200);
    backends.add(slow);
    backends.add(Backend.start(serverMesh));
    backends.add(Backend.start(serverMesh));
    registry.putService(ServiceConfig.builder("greeter")
        .endpoints(backends.stream().map(Backend::endpoint).toList()).build());

    // Warm up JIT and connections outside the mesh (IP hosts pass through untouched).
    for (Backend b : backends.subList(1, 3)) {
      for (int i = 0; i < 20; i++) {
        try (Response r = client.newCall(new Request.Builder().url("http://127.0.0.1:" + b.port() + "/").build()).execute()) {
          r.body().string();
        }
      }
    }
    backends.forEach(b -> b.hits.set(0));

    List<Future<Integer>> loops = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      loops.add(workers.submit(() -> {
        int ok = 0;
        for (int i = 0; i < 100; i++) {
          try (Response r = client.newCall(new Request.Builder().url("http://greeter/hello").build()).execute()) {
            if (r.code() == 200 && r.body().string().equals("ok")) ok++;
          }
        }
        return ok;
      }));
    }
    int ok = 0;
    for (Future<Integer> f : loops) ok += f.get(30, TimeUnit.SECONDS);

    int total = backends.stream().mapToInt(b -> b.hits.get()).sum();
    assertThat(ok).isEqualTo(400);
    assertThat(total).isEqualTo(400);
    assertThat(slow.hits.get()).as("requests to the slow instance, of %d", total).isLessThan(total / 10);
  }
}
