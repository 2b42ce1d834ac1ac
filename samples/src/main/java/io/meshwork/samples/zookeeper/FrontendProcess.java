package io.meshwork.samples.zookeeper;

import io.meshwork.admin.MeshAdmin;
import io.meshwork.core.Destination;
import io.meshwork.core.Mesh;
import io.meshwork.http.MeshHttp;
import io.meshwork.zookeeper.ZooKeeperRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The frontend of {@link MultiProcessDemo}, in its own JVM: its own ZooKeeper session and mesh.
 * It prints the {@code greeter} endpoints it sees as they come and go, waits for the expected
 * number, then sends open-loop load (a fixed rate of GETs to {@code http://greeter/hello} through
 * {@code MeshHttp.client(mesh)}, each sent on schedule whether or not earlier ones returned) and
 * prints a line per second: calls ok and failed, and which greeter answered. The demo tells it on
 * standard input which greeter it killed and when ({@code killed <name> <epoch ms>}); at the end
 * it waits for that greeter's endpoint to leave its view and prints one {@code SUMMARY} line.
 *
 * <p>Arguments: {@code <connect string with root> <session timeout ms> <calls per second>
 * <load ms> <greeters expected>}.
 */
public final class FrontendProcess {
  private record Result(long endMillis, String greeter, String failure) {}

  private final Map<String, Long> removedAt = new ConcurrentHashMap<>(); // address -> epoch ms
  private final Map<String, String> addressOf = new ConcurrentHashMap<>(); // greeter name -> address
  private final ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile int shown; // endpoints in the last line the watcher printed
  private volatile String killedName;
  private volatile long killedAtMillis;

  private FrontendProcess() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      throw new IllegalArgumentException("arguments: " + String.join(" ", args) + " (expected: <connect string with root>"
          + " <session timeout ms> <calls per second> <load ms> <greeters expected>)");
    }
    new FrontendProcess().run(args[0], Duration.ofMillis(Long.parseLong(args[1])), Integer.parseInt(args[2]),
        Duration.ofMillis(Long.parseLong(args[3])), Integer.parseInt(args[4]));
    System.out.flush();
    System.exit(0);
  }

  private void run(String connect, Duration session, int rate, Duration load, int expected) throws Exception {
    Thread input = new Thread(this::readInput, "frontend-input");
    input.setDaemon(true);
    input.start();
    try (ZooKeeperRegistry registry = ZooKeeperRegistry.builder(connect)
            .owner("frontend-" + ProcessHandle.current().pid())
            .sessionTimeout(session).connectionTimeout(Duration.ofMillis(Math.min(3_000, session.toMillis()))).build();
        Mesh mesh = Mesh.builder().serviceName("frontend").registry(registry).meterRegistry(new SimpleMeterRegistry()).build()) {
      MeshAdmin admin = MeshAdmin.start(mesh, 0);
      System.out.printf("dashboard: %sadmin (the mesh-wide map reads each greeter's own admin server)%n", admin.uri());
      OkHttpClient client = MeshHttp.client(mesh);
      Destination greeter = mesh.destination("greeter");
      Thread watcher = new Thread(() -> watch(greeter), "frontend-endpoints");
      watcher.setDaemon(true);
      watcher.start();

      long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (shown < expected) {
        if (System.nanoTime() > waitUntil) {
          System.out.println("gave up: " + endpoints(greeter).size() + " of " + expected + " greeters after 60 s");
          return;
        }
        Thread.sleep(20);
      }
      // Connections and classes first, so that the first second of load is not spent on them.
      MeshHttp.warmUp(client, "greeter", Duration.ofSeconds(5));
      int total = (int) (rate * load.toMillis() / 1000);
      System.out.printf("LOAD START: %d greeters discovered; %d calls/s for %.1f s (open loop, GET http://greeter/hello)%n",
          expected, rate, load.toMillis() / 1000.0);
      System.out.flush();
      sendLoad(client, rate, total);
      long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (inFlight.get() > 0 && System.nanoTime() < drainUntil) Thread.sleep(10);

      String killed = killedName;
      String killedAddress = killed == null ? null : addressOf.get(killed);
      if (killedAddress != null) {
        long until = System.nanoTime() + 3 * session.toNanos() + TimeUnit.SECONDS.toNanos(5);
        while (!removedAt.containsKey(killedAddress) && System.nanoTime() < until) Thread.sleep(20);
      }
      summary(killed, killedAddress, total);
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
      admin.close();
    }
  }

  private void sendLoad(OkHttpClient client, int rate, int total) throws InterruptedException {
    long start = System.nanoTime();
    long interval = TimeUnit.SECONDS.toNanos(1) / rate;
    long startMillis = System.currentTimeMillis();
    int second = 0;
    for (int i = 0; i < total; i++) {
      long due = start + i * interval;
      long wait = due - System.nanoTime();
      if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
      inFlight.incrementAndGet();
      client.newCall(new Request.Builder().url("http://greeter/hello").build()).enqueue(new Callback() {
        @Override
        public void onResponse(Call call, Response response) throws IOException {
          try (response) {
            String body = response.body().string();
            if (!response.isSuccessful()) {
              record(null, "HTTP " + response.code());
            } else {
              // "hello from greeter-2 (127.0.0.1:40123)"
              String[] words = body.split(" ");
              String name = words.length >= 4 ? words[2] : body;
              if (words.length >= 4) addressOf.putIfAbsent(name, words[3].replace("(", "").replace(")", ""));
              record(name, null);
            }
          } finally {
            inFlight.decrementAndGet();
          }
        }

        @Override
        public void onFailure(Call call, IOException e) {
          record(null, e.getClass().getSimpleName() + ": " + e.getMessage());
          inFlight.decrementAndGet();
        }
      });
      long elapsed = System.currentTimeMillis() - startMillis;
      if (elapsed >= (second + 1) * 1000L) {
        second++;
        printSecond(second, startMillis);
      }
    }
  }

  private void record(String greeter, String failure) {
    results.add(new Result(System.currentTimeMillis(), greeter, failure));
  }

  /** One line for the calls that ended in second {@code second} of the load. */
  private void printSecond(int second, long startMillis) {
    long from = startMillis + (second - 1) * 1000L;
    long to = from + 1000;
    Map<String, Long> by = new TreeMap<>();
    long ok = 0;
    long failed = 0;
    for (Result r : results) {
      if (r.endMillis() < from || r.endMillis() >= to) continue;
      if (r.failure() == null) {
        ok++;
        by.merge(r.greeter(), 1L, Long::sum);
      } else {
        failed++;
      }
    }
    System.out.printf("t=%2ds  ok %3d  failed %d  answered by %s%s%n", second, ok, failed,
        by.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")),
        killedName != null && from >= killedAtMillis - 1000 && from < killedAtMillis ? "   <- " + killedName + " killed" : "");
    System.out.flush();
  }

  private void summary(String killed, String killedAddress, int total) {
    Map<String, Long> before = new TreeMap<>();
    Map<String, Long> after = new TreeMap<>();
    Map<String, Long> failures = new TreeMap<>();
    long ok = 0;
    long killedAfterRemoval = 0;
    Long removed = killedAddress == null ? null : removedAt.get(killedAddress);
    for (Result r : results) {
      if (r.failure() != null) {
        failures.merge(r.failure(), 1L, Long::sum);
        continue;
      }
      ok++;
      boolean isAfter = killed != null && r.endMillis() >= killedAtMillis;
      (isAfter ? after : before).merge(r.greeter(), 1L, Long::sum);
      if (killed != null && killed.equals(r.greeter()) && removed != null && r.endMillis() >= removed) killedAfterRemoval++;
    }
    long failed = failures.values().stream().mapToLong(Long::longValue).sum();
    System.out.printf("SUMMARY calls=%d ok=%d failed=%d killed=%s removedAfterMs=%s before=%s after=%s killedAfterRemoval=%d"
            + " failures=%s%n",
        total, ok, failed, killed == null ? "none" : killed,
        removed == null ? "never" : String.valueOf(removed - killedAtMillis),
        join(before), join(after), killedAfterRemoval, failures.isEmpty() ? "none" : failures);
    System.out.flush();
  }

  private static String join(Map<String, Long> counts) {
    return counts.isEmpty() ? "none" : counts.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue())
        .collect(Collectors.joining(","));
  }

  private static Set<String> endpoints(Destination d) {
    return d.snapshot().config().endpoints().stream().map(e -> e.address().toString())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** Prints the greeter endpoints as this mesh sees them, when they change. */
  private void watch(Destination greeter) {
    Set<String> seen = new TreeSet<>();
    while (true) {
      Set<String> now = endpoints(greeter);
      if (!now.equals(seen)) {
        long at = System.currentTimeMillis();
        List<String> changes = new ArrayList<>();
        for (String a : now) if (!seen.contains(a)) changes.add("+" + a);
        for (String a : seen) {
          if (!now.contains(a)) {
            changes.add("-" + a);
            removedAt.putIfAbsent(a, at);
          }
        }
        System.out.printf("greeter endpoints in my view: %s -> %d: %s%n", String.join(" ", changes), now.size(), now);
        System.out.flush();
        seen = now;
        shown = now.size();
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Lines from the demo: {@code killed <name> <epoch ms>}. End of input: the demo is gone, so stop. */
  private void readInput() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        String[] w = line.trim().split(" ");
        if (w.length == 3 && w[0].equals("killed")) {
          killedAtMillis = Long.parseLong(w[2]);
          killedName = w[1];
        }
      }
    } catch (IOException | RuntimeException e) {
      // treated as the end of input
    }
    Runtime.getRuntime().halt(3); // the demo is gone: nothing to report to
  }
}
