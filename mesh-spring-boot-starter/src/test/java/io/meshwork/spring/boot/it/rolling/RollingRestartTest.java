package io.meshwork.spring.boot.it.rolling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Mesh;
import io.meshwork.core.registry.FileRegistry;
import io.meshwork.http.MeshHttp;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A rolling restart under load: two greeter instances (Boot apps on random ports, registered by
 * the starter in one file registry) serve a frontend's steady stream of requests; one is closed
 * (withdraw, wait, graceful drain) and replaced, then the other. No request may fail, and every
 * instance, old and new, serves some of them.
 */
class RollingRestartTest {
  static final int THREADS = 20;
  static final long MAX_REQUESTS = 50_000;
  static final Duration POLL = Duration.ofMillis(50);

  Path dir;
  Path registryFile;
  final List<ConfigurableApplicationContext> greeters = new ArrayList<>();
  FileRegistry frontendRegistry;
  Mesh frontend;
  OkHttpClient client;
  ExecutorService load;

  final SimpleMeterRegistry frontendMeters = new SimpleMeterRegistry();
  final AtomicBoolean running = new AtomicBoolean(true);
  final AtomicLong sent = new AtomicLong();
  final Map<String, LongAdder> servedBy = new ConcurrentHashMap<>();
  final Queue<String> failures = new ConcurrentLinkedQueue<>();

  @BeforeEach
  void registry() throws IOException {
    dir = Files.createTempDirectory("meshwork-rolling");
    registryFile = dir.resolve("mesh.yaml");
    Files.writeString(registryFile, "services: {}\n");
  }

  @AfterEach
  void cleanUp() throws Exception {
    running.set(false);
    if (load != null) {
      load.shutdownNow();
      assertThat(load.awaitTermination(10, TimeUnit.SECONDS)).as("load threads ended").isTrue();
    }
    for (ConfigurableApplicationContext g : greeters) g.close();
    if (client != null) {
      client.dispatcher().executorService().shutdownNow();
      client.connectionPool().evictAll();
    }
    if (frontend != null) frontend.close();
    if (frontendRegistry != null) frontendRegistry.close();
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aRollingRestartUnderLoadFailsNoRequest() throws Exception {
    String a = start();
    String b = start();

    frontendRegistry = FileRegistry.builder(registryFile).pollInterval(POLL).build();
    frontend = Mesh.builder().serviceName("frontend").registry(frontendRegistry)
        .meterRegistry(frontendMeters).build();
    client = MeshHttp.client(frontend);
    load = Executors.newFixedThreadPool(THREADS, r -> {
      Thread t = new Thread(r, "rolling-load");
      t.setDaemon(true);
      return t;
    });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
    for (int i = 0; i < THREADS; i++) {
      load.execute(() -> {
        while (running.get() && System.nanoTime() < deadline && sent.incrementAndGet() <= MAX_REQUESTS) {
          call();
          try {
            Thread.sleep(20);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
    }

    awaitServed(a, b);
    // Replace a, then b, each closed as a deployment would: context.close(), mid-load.
    stop(0);
    String c = start();
    awaitServed(c);
    stop(0);
    String d = start();
    awaitServed(d);

    running.set(false);
    load.shutdown();
    assertThat(load.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

    double failedAttempts = attempts("failure");
    System.out.printf("rolling restart: %d requests, %d failed, %.0f attempts, %.0f failed attempts;"
        + " served by %s (a=%s b=%s c=%s d=%s)%n",
        total(), failures.size(), attempts("success") + failedAttempts, failedAttempts, servedBy, a, b, c, d);
    assertThat(failures).as("failed requests").isEmpty();
    // Not even an attempt failed: callers stopped picking each instance before its port closed,
    // so no retry hid a refused connection.
    assertThat(failedAttempts).as("failed attempts").isZero();
    assertThat(sent.get()).isLessThanOrEqualTo(MAX_REQUESTS + THREADS);
    for (String port : List.of(a, b, c, d)) assertThat(served(port)).as("served by %s", port).isPositive();
  }

  private void call() {
    Request request = new Request.Builder().url("http://greeter/hello").build();
    try (Response response = client.newCall(request).execute()) {
      String body = response.body().string();
      if (response.code() != 200) {
        failures.add(response.code() + " " + body);
      } else {
        servedBy.computeIfAbsent(body, k -> new LongAdder()).increment();
      }
    } catch (Exception e) {
      failures.add(e.toString());
    }
  }

  /** Starts a greeter instance; returns its port. */
  private String start() {
    ConfigurableApplicationContext g = new SpringApplicationBuilder(RollingGreeterApp.class)
        .web(WebApplicationType.SERVLET)
        .properties("server.port=0", "server.shutdown=graceful", "spring.main.banner-mode=off",
            "meshwork.service-name=greeter", "meshwork.registry.file=" + registryFile,
            "meshwork.registry.poll-interval=" + POLL.toMillis() + "ms")
        // The default withdraw delay: the poll interval plus 500 ms. -Drolling.withdrawDelay=0ms
        // shows what it prevents: attempts on closed ports, hidden by the mesh's retries.
        .properties(System.getProperty("rolling.withdrawDelay") == null ? new String[0]
            : new String[] {"meshwork.server.withdraw-delay=" + System.getProperty("rolling.withdrawDelay")})
        .run();
    greeters.add(g);
    assertThat(g.getBean(io.meshwork.spring.boot.MeshServerRegistration.class).registration()).isNotNull();
    return Integer.toString(((WebServerApplicationContext) g).getWebServer().getPort());
  }

  private void stop(int index) {
    greeters.remove(index).close();
  }

  /** Waits until each instance has served a few dozen requests. */
  private void awaitServed(String... ports) {
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
        .until(() -> List.of(ports).stream().allMatch(p -> served(p) >= 50));
  }

  private long served(String port) {
    LongAdder n = servedBy.get(port);
    return n == null ? 0 : n.sum();
  }

  private double attempts(String outcome) {
    return frontendMeters.find("mesh.client.attempts").tag("outcome", outcome).counters().stream()
        .mapToDouble(Counter::count).sum();
  }

  private long total() {
    return servedBy.values().stream().mapToLong(LongAdder::sum).sum() + failures.size();
  }
}
