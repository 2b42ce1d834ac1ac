package io.meshwork.benchmarks.experiments;

import io.meshwork.core.Mesh;
import io.meshwork.core.model.Endpoint;
import io.meshwork.http.MeshHttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Replicas of one service for the experiments: real {@link MeshHttpServer}s on 127.0.0.1 (the
 * JDK's HTTP server behind the mesh's inbound guard), each answering by a {@link Behaviour}, and
 * counting the requests that reach it in time buckets, so the load a strategy puts on the servers
 * is measured where it lands.
 *
 * <p>Handlers run on a pool per replica of up to {@code threadsEach} threads, created on demand
 * and reused, so a replica that turns slow can hold as many requests as the offered load sends
 * it. A response the client no longer waits for (it timed out and closed the connection) is
 * dropped silently.
 */
final class Replicas implements AutoCloseable {
  /** How a replica answers; may sleep. Called on a handler thread. */
  interface Behaviour {
    /** Returns the status to answer with, after any delay. */
    int handle(int replica, long nowNanos) throws InterruptedException;
  }

  /** Arrivals per replica and time bucket, from an origin. */
  static final class Arrivals {
    final long originNanos;
    final long bucketNanos;
    final int buckets;
    final int replicas;
    private final AtomicLongArray counts;

    Arrivals(long originNanos, long bucketNanos, int buckets, int replicas) {
      this.originNanos = originNanos;
      this.bucketNanos = bucketNanos;
      this.buckets = buckets;
      this.replicas = replicas;
      this.counts = new AtomicLongArray(buckets * replicas);
    }

    void arrive(int replica, long nowNanos) {
      long b = Math.floorDiv(nowNanos - originNanos, bucketNanos);
      if (b >= 0 && b < buckets) counts.incrementAndGet((int) b * replicas + replica);
    }

    long count(int bucket, int replica) {
      return counts.get(bucket * replicas + replica);
    }

    long count(int bucket) {
      long sum = 0;
      for (int r = 0; r < replicas; r++) sum += count(bucket, r);
      return sum;
    }

    /** Arrivals at {@code replica} in buckets {@code [from, to)}. */
    long count(int from, int to, int replica) {
      long sum = 0;
      for (int b = Math.max(0, from); b < Math.min(to, buckets); b++) sum += count(b, replica);
      return sum;
    }

    /** Arrivals at all replicas in buckets {@code [from, to)}. */
    long total(int from, int to) {
      long sum = 0;
      for (int b = Math.max(0, from); b < Math.min(to, buckets); b++) sum += count(b);
      return sum;
    }
  }

  private static final byte[] OK = "ok\n".getBytes(StandardCharsets.UTF_8);
  private static final byte[] UNAVAILABLE = "unavailable\n".getBytes(StandardCharsets.UTF_8);

  private final List<MeshHttpServer> servers = new ArrayList<>();
  private final List<ExecutorService> pools = new ArrayList<>();
  private volatile Behaviour behaviour;
  private volatile Arrivals arrivals;

  private Replicas() {}

  /** Starts {@code n} replicas of {@code serverMesh}'s service on 127.0.0.1, free ports. */
  static Replicas start(Mesh serverMesh, int n, int threadsEach, Behaviour behaviour) {
    Replicas r = new Replicas();
    r.behaviour = behaviour;
    try {
      for (int i = 0; i < n; i++) {
        int replica = i;
        ExecutorService pool = pool(serverMesh.serviceName() + "-" + i, threadsEach);
        r.pools.add(pool);
        r.servers.add(MeshHttpServer.builder(serverMesh)
            .bind("127.0.0.1", 0)
            .backlog(1024)
            .executor(pool)
            .handler("/", exchange -> {
              try (InputStream in = exchange.getRequestBody()) {
                in.readAllBytes();
              }
              long now = System.nanoTime();
              Arrivals a = r.arrivals;
              if (a != null) a.arrive(replica, now);
              int status;
              try {
                status = r.behaviour.handle(replica, now);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // shutting down
                return;
              }
              byte[] body = status == 200 ? OK : UNAVAILABLE;
              try {
                exchange.sendResponseHeaders(status, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                  out.write(body);
                }
              } catch (IOException clientGone) {
                // The client gave up (its deadline passed) and closed the connection.
              }
            })
            .drainTimeout(java.time.Duration.ZERO) // hung replicas never finish their requests
            .start());
      }
    } catch (RuntimeException e) {
      r.close();
      throw e;
    }
    return r;
  }

  private static ExecutorService pool(String name, int threads) {
    AtomicInteger n = new AtomicInteger();
    return new ThreadPoolExecutor(0, threads, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), task -> {
      Thread t = new Thread(task, name + "-handler-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** The replicas as registry endpoints, in replica order. */
  List<Endpoint> endpoints() {
    List<Endpoint> out = new ArrayList<>();
    for (MeshHttpServer s : servers) out.add(Endpoint.of(s.address().toString()));
    return out;
  }

  int size() {
    return servers.size();
  }

  void behaviour(Behaviour b) {
    this.behaviour = b;
  }

  /** Starts counting arrivals afresh; returns the counter. */
  Arrivals count(long originNanos, long bucketNanos, int buckets) {
    Arrivals a = new Arrivals(originNanos, bucketNanos, buckets, servers.size());
    this.arrivals = a;
    return a;
  }

  @Override
  public void close() {
    for (MeshHttpServer s : servers) s.close();
    for (ExecutorService p : pools) p.shutdownNow();
  }
}
