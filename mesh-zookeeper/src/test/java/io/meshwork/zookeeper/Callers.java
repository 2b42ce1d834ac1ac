package io.meshwork.zookeeper;

import io.meshwork.core.Mesh;
import io.meshwork.http.MeshHttp;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
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

/**
 * Steady load through the mesh: a few threads send GETs (idempotent) to {@code http://<service>/}
 * with the mesh's OkHttp client, each at most a bounded number, and record every failure.
 */
final class Callers implements AutoCloseable {
  final AtomicInteger ok = new AtomicInteger();
  final Queue<String> failures = new ConcurrentLinkedQueue<>();
  private final OkHttpClient client;
  private final ExecutorService workers;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Future<?>> loops = new ArrayList<>();

  Callers(Mesh mesh, String service, int threads, int maxPerThread) {
    this.client = MeshHttp.client(mesh);
    this.workers = Executors.newFixedThreadPool(threads);
    for (int t = 0; t < threads; t++) {
      loops.add(workers.submit(() -> {
        for (int i = 0; i < maxPerThread && running.get(); i++) {
          Request request = new Request.Builder().url("http://" + service + "/hello").build();
          try (Response response = client.newCall(request).execute()) {
            if (response.code() == 200) {
              ok.incrementAndGet();
            } else {
              failures.add("status " + response.code());
            }
          } catch (Exception e) {
            failures.add(e.toString());
          }
          try {
            Thread.sleep(2);
          } catch (InterruptedException e) {
            return;
          }
        }
      }));
    }
  }

  /** Stops the loops and waits for the calls in flight. */
  @Override
  public void close() throws Exception {
    running.set(false);
    for (Future<?> f : loops) f.get(10, TimeUnit.SECONDS);
    workers.shutdownNow();
    workers.awaitTermination(5, TimeUnit.SECONDS);
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
