package io.meshwork.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Mesh;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.http.MeshHttp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * 1,000 event-stream clients that connect and never read, while a mesh client calls a real
 * server: the calls do not notice, the admin server holds a bounded amount for them, and lets
 * every connection go when they leave.
 */
class SlowClientsTest {
  private static final int CLIENTS = 1_000;
  private static final int CALLS = 2_000;
  private static final int EVENTS = 200;

  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Mesh.builder().serviceName("greeter").registry(registry)
      .meterRegistry(new SimpleMeterRegistry()).build();
  private final Mesh clientMesh = Mesh.builder().serviceName("frontend").registry(registry)
      .meterRegistry(new SimpleMeterRegistry()).build();
  private final Greeter greeter = new Greeter(serverMesh);
  private final OkHttpClient http = MeshHttp.client(clientMesh);
  private final MeshAdmin admin = MeshAdmin.start(clientMesh, 0);
  private final List<Socket> slow = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (Socket s : slow) s.close();
    admin.close();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
    greeter.close();
    clientMesh.close();
    serverMesh.close();
    registry.close();
  }

  @Test
  void aThousandClientsThatNeverReadDoNotSlowMeshCalls() throws Exception {
    registry.putService(ServiceConfig.of("greeter", Endpoint.of(greeter.address())));
    calls(1_000);                                                   // warm up (JIT, pools)
    long[] alone = calls(CALLS);

    byte[] request = "GET /admin/events HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < CLIENTS; i++) {
      Socket s = new Socket("127.0.0.1", admin.address().getPort());
      s.setReceiveBufferSize(4096);
      s.getOutputStream().write(request);
      slow.add(s);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> admin.server().streams() == CLIENTS);

    // Calls again, while events fan out to every client (about 250 bytes each).
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long selector = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("meshwork-admin-http")).findFirst().orElseThrow().getId();
    long cpuBefore = mx.getThreadCpuTime(selector);
    Thread publisher = new Thread(() -> {
      for (int i = 0; i < EVENTS; i++) {
        admin.events().publish("ejected", "greeter", "127.0.0.1:" + (10_000 + i),
            "ejected for 30000 ms (1 in a row) " + "x".repeat(100));
        try {
          Thread.sleep(2);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "test-publisher");
    publisher.start();
    long maxPending = 0;
    long[] loaded = new long[CALLS];
    OkHttpClient client = http;
    for (int i = 0; i < CALLS; i++) {
      long t0 = System.nanoTime();
      try (Response r = client.newCall(new Request.Builder().url("http://greeter/hello").build()).execute()) {
        assertThat(r.code()).isEqualTo(200);
      }
      loaded[i] = System.nanoTime() - t0;
      if (i % 50 == 0) maxPending = Math.max(maxPending, admin.server().pendingBytes());
    }
    publisher.join(20_000);
    await().atMost(Duration.ofSeconds(10)).until(() -> admin.events().queuedNow() == 0);
    long cpu = mx.getThreadCpuTime(selector) - cpuBefore;

    double p99Alone = p99(alone) / 1e6;
    double p99Loaded = p99(loaded) / 1e6;
    System.out.printf("SlowClientsTest: p99 of %d calls: %.2f ms alone, %.2f ms with %d slow SSE clients"
            + " (ratio %.2f); max pending %d bytes; %d events to %d clients cost %d ns of selector CPU per event"
            + " (%d ns per client write)%n",
        CALLS, p99Alone, p99Loaded, CLIENTS, p99Loaded / p99Alone, maxPending, EVENTS, CLIENTS,
        cpu / EVENTS, cpu / EVENTS / CLIENTS);
    assertThat(p99Loaded).isLessThanOrEqualTo(3 * p99Alone + 5);
    assertThat(maxPending).isLessThanOrEqualTo((long) CLIENTS * AdminHttpServer.MAX_STREAM_PENDING);
    assertThat(admin.server().pendingBytes()).isLessThanOrEqualTo((long) CLIENTS * AdminHttpServer.MAX_STREAM_PENDING);
    assertThat(greeter.hits.get()).isEqualTo(1_000 + 2 * CALLS);

    for (Socket s : slow) s.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> admin.server().connections() == 0);
    assertThat(admin.server().streams()).isZero();
    assertThat(admin.server().pendingBytes()).isZero();
  }

  private long[] calls(int n) throws Exception {
    long[] t = new long[n];
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      try (Response r = http.newCall(new Request.Builder().url("http://greeter/hello").build()).execute()) {
        assertThat(r.code()).isEqualTo(200);
      }
      t[i] = System.nanoTime() - t0;
    }
    return t;
  }

  private static long p99(long[] nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    return s[(int) Math.ceil(s.length * 0.99) - 1];
  }
}
