package io.meshwork.samples.zookeeper;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/**
 * The mesh across processes: a single-node ZooKeeper (curator-test's {@link TestingServer}, in
 * this JVM, on 127.0.0.1), three {@link GreeterProcess} JVMs and one {@link FrontendProcess} JVM,
 * each with its own {@code ZooKeeperRegistry} session and {@code Mesh}. The frontend discovers the
 * greeters as they register, sends open-loop load, and a few seconds in this program kills one
 * greeter with SIGKILL ({@link Process#destroyForcibly()} is SIGKILL on Linux): retries and
 * outlier detection keep every call succeeding until the killed process's session times out
 * and its endpoint leaves every view. Then a summary, and everything it started is stopped.
 *
 * <p>Options: {@code --load 15s} (load duration), {@code --kill-after 5s} (from the start of the
 * load), {@code --rate 40} (calls per second), {@code --session-timeout 4s}. A bare argument (the
 * quick start's {@code mesh.yaml}, which the samples pom passes to every exec:java main) is
 * ignored. Exit status 0 only when no call failed.
 */
public final class MultiProcessDemo {
  static final String ROOT = "/meshwork/demo";
  static final String KILLED = "greeter-2";
  /** The frontend's last line; the demo's test reads it too. */
  static final Pattern SUMMARY = Pattern.compile("SUMMARY calls=(?<calls>\\d+) ok=(?<ok>\\d+) failed=(?<failed>\\d+)"
      + " killed=(?<killed>\\S+) removedAfterMs=(?<removedAfterMs>\\S+) before=(?<before>\\S+) after=(?<after>\\S+)"
      + " killedAfterRemoval=(?<killedAfterRemoval>\\d+) failures=(?<failures>.*)");

  private final Duration load;
  private final Duration killAfter;
  private final int rate;
  private final Duration session;
  private final PrintStream out;
  private final Map<String, Process> children = new LinkedHashMap<>();
  private final List<Thread> relays = new ArrayList<>();

  private MultiProcessDemo(Duration load, Duration killAfter, int rate, Duration session, PrintStream out) {
    this.load = load;
    this.killAfter = killAfter;
    this.rate = rate;
    this.session = session;
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    int status = run(args, System.out);
    System.out.flush();
    if (status != 0) System.exit(status);
  }

  /** Runs the demo with {@code args} (see the class comment), printing to {@code out}; returns the exit status. */
  static int run(String[] args, PrintStream out) throws Exception {
    // ZooKeeper's server and client log a lot at INFO; the demo prints what matters itself.
    for (String logger : List.of("org.apache.zookeeper", "org.apache.curator")) {
      if (System.getProperty("org.slf4j.simpleLogger.log." + logger) == null) {
        System.setProperty("org.slf4j.simpleLogger.log." + logger, "warn");
      }
    }
    Duration load = Duration.ofSeconds(15);
    Duration killAfter = Duration.ofSeconds(5);
    int rate = 40;
    Duration session = Duration.ofSeconds(4);
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) continue; // the pom's mesh.yaml argument, meant for the quick start
      String value;
      if (a.contains("=")) {
        value = a.substring(a.indexOf('=') + 1);
        a = a.substring(0, a.indexOf('='));
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException("option " + a + ": no value");
      }
      switch (a) {
        case "--load" -> load = duration(a, value);
        case "--kill-after" -> killAfter = duration(a, value);
        case "--session-timeout" -> session = duration(a, value);
        case "--rate" -> rate = rate(value);
        default -> throw new IllegalArgumentException("option " + a + ": unknown (expected: --load, --kill-after, --rate,"
            + " --session-timeout)");
      }
    }
    if (killAfter.compareTo(load) >= 0) {
      throw new IllegalArgumentException("--kill-after " + killAfter + " is not before the end of --load " + load);
    }
    if (session.toMillis() < 1_000 || session.toMillis() > 10_000) {
      // ZooKeeper would silently bring it into 2 to 20 of the demo server's 500 ms ticks.
      throw new IllegalArgumentException("--session-timeout " + session.toMillis() + " ms (expected: 1s to 10s)");
    }
    if (rate < 1 || rate > 500) throw new IllegalArgumentException("--rate " + rate + " (expected: 1 to 500)");
    return new MultiProcessDemo(load, killAfter, rate, session, out).run();
  }

  private static int rate(String v) {
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("option --rate: " + v + " is not a whole number of calls per second (expected e.g. 40)");
    }
  }

  private static Duration duration(String option, String v) {
    String s = v.trim();
    try {
      if (s.endsWith("ms")) return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
      if (s.endsWith("s")) return Duration.ofMillis((long) (Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
      return Duration.ofSeconds(Long.parseLong(s));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("option " + option + ": " + v + " is not a duration (expected e.g. 15s or 500ms)");
    }
  }

  private int run() throws Exception {
    long started = System.nanoTime();
    Thread hook = new Thread(this::killAll, "multi-process-demo-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    // tickTime 500 ms: ZooKeeper accepts session timeouts from 2 to 20 ticks (1 s to 10 s).
    InstanceSpec spec = new InstanceSpec(null, -1, -1, -1, true, -1, 500, -1,
        Map.of("clientPortAddress", "127.0.0.1"), "127.0.0.1");
    TestingServer zookeeper = new TestingServer(spec, true);
    String summaryLine = null;
    try {
      String connect = "127.0.0.1:" + zookeeper.getPort() + ROOT;
      out.printf("ZooKeeper (curator-test TestingServer) on 127.0.0.1:%d; mesh root %s; session timeout %d ms%n",
          zookeeper.getPort(), ROOT, session.toMillis());
      publish(zookeeper.getConnectString());
      out.printf("published %s/document: service greeter (retries on connect-failure, reset, unavailable;"
          + " outlier detection), no endpoints: the greeters register themselves%n", ROOT);

      // The frontend first, so that it shows the greeters arriving one by one as they register.
      BlockingQueue<String> frontendLines = new LinkedBlockingQueue<>();
      Process frontend = start("frontend", FrontendProcess.class, frontendLines, connect, String.valueOf(session.toMillis()),
          String.valueOf(rate), String.valueOf(load.toMillis()), "3");
      for (int i = 1; i <= 3; i++) {
        String name = "greeter-" + i;
        start(name, GreeterProcess.class, name, connect, String.valueOf(session.toMillis()));
      }

      // The load starts when the frontend has discovered all three greeters.
      String line = waitFor(frontendLines, l -> l.startsWith("LOAD START") || l.startsWith("gave up"), Duration.ofSeconds(90));
      if (line == null || !line.startsWith("LOAD START")) {
        out.println("demo: the frontend did not discover the three greeters; stopping");
        return 2;
      }
      TimeUnit.MILLISECONDS.sleep(killAfter.toMillis());
      Process victim = children.get(KILLED);
      long killedAt = System.currentTimeMillis();
      victim.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no close, its ZooKeeper session just stops
      out.printf("demo: kill -9 %s (pid %d) under load; its endpoint stays registered until its session times out%n",
          KILLED, victim.pid());
      OutputStream toFrontend = frontend.getOutputStream();
      toFrontend.write(("killed " + KILLED + " " + killedAt + "\n").getBytes(StandardCharsets.UTF_8));
      toFrontend.flush();
      victim.waitFor(10, TimeUnit.SECONDS);

      Duration bound = load.plus(session.multipliedBy(3)).plusSeconds(30);
      summaryLine = waitFor(frontendLines, l -> l.startsWith("SUMMARY"), bound);
      frontend.waitFor(15, TimeUnit.SECONDS);
    } finally {
      stopAll();
      zookeeper.close();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs anyway
      }
    }
    long left = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count();
    return report(summaryLine, left, (System.nanoTime() - started) / 1e9);
  }

  private int report(String summaryLine, long left, double seconds) {
    out.println();
    Matcher m = summaryLine == null ? null : SUMMARY.matcher(summaryLine);
    if (m == null || !m.matches()) {
      out.println("summary: the frontend reported no summary; failed");
      return 1;
    }
    long failed = Long.parseLong(m.group(3));
    out.printf("summary: %s calls, %s ok, %d failed%s%n", m.group(1), m.group(2), failed,
        failed == 0 ? "" : " (" + m.group(9) + ")");
    out.printf("  answered before the kill: %s%n", m.group(6).replace(",", ", ").replace(":", " "));
    out.printf("  answered after the kill:  %s%n", m.group(7).replace(",", ", ").replace(":", " "));
    out.printf("  %s's endpoint left the frontend's view %s ms after the kill (session timeout %d ms);"
        + " calls it answered after that: %s%n", m.group(4), m.group(5), session.toMillis(), m.group(8));
    out.printf("stopped: 4 child processes, ZooKeeper; child processes still alive: %d; done in %.1f s%n", left, seconds);
    boolean ok = failed == 0 && Long.parseLong(m.group(1)) == Long.parseLong(m.group(2)) && left == 0;
    out.println(ok ? "result: no failed call" : "result: FAILED");
    return ok ? 0 : 1;
  }

  private void publish(String connectString) throws Exception {
    String document = """
        # Published by MultiProcessDemo. No endpoints: each greeter process registers its own.
        services:
          greeter:
            protocol: http
            client:
              timeout: 2s
              loadBalancer: round-robin   # an even spread, so that the move to the other two shows
              retries: { maxAttempts: 3, on: [connect-failure, reset, unavailable], backoff: { base: 5ms, max: 50ms } }
              retryBudget: { ratio: 0.2, minPerSecond: 10, ttl: 10s }
              outlierDetection: { consecutiveFailures: 3, baseEjection: 5s, maxEjectedPercent: 50 }
        """;
    try (CuratorFramework client = CuratorFrameworkFactory.builder().connectString(connectString)
        .sessionTimeoutMs((int) session.toMillis()).connectionTimeoutMs((int) Math.min(3_000, session.toMillis()))
        .retryPolicy(new RetryOneTime(200)).build()) {
      client.start();
      client.create().creatingParentsIfNeeded().forPath(ROOT + "/document", document.getBytes(StandardCharsets.UTF_8));
    }
  }

  private Process start(String name, Class<?> main, String... args) throws IOException {
    return start(name, main, null, args);
  }

  /** Starts {@code main} in a JVM of its own, relaying its output prefixed with {@code name}. */
  private Process start(String name, Class<?> main, BlockingQueue<String> lines, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx128m");
    command.add("-XX:TieredStopAtLevel=1"); // quicker start; the demo is not about throughput
    command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    command.add("-cp");
    command.add(classPath());
    command.add(main.getName());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    children.put(name, p);
    out.printf("demo: started %s (pid %d)%n", name, p.pid());
    String prefix = String.format("%-10s | ", name);
    Thread relay = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String l;
        while ((l = r.readLine()) != null) {
          out.println(prefix + l);
          if (lines != null) lines.add(l);
        }
      } catch (IOException e) {
        // the process is gone
      }
    }, "relay-" + name);
    relay.setDaemon(true);
    relay.start();
    relays.add(relay);
    return p;
  }

  /**
   * This JVM's class path. Under exec:java the samples' classes come from a class loader of the
   * plugin's, not from {@code java.class.path} (Maven's own); its URLs are the class path then.
   */
  private static String classPath() {
    ClassLoader loader = MultiProcessDemo.class.getClassLoader();
    if (loader instanceof URLClassLoader u && u.getURLs().length > 0) {
      List<String> entries = new ArrayList<>();
      for (URL url : u.getURLs()) {
        try {
          entries.add(Path.of(url.toURI()).toString());
        } catch (Exception e) {
          throw new IllegalStateException("class path entry " + url + " is not a file", e);
        }
      }
      return String.join(File.pathSeparator, entries);
    }
    return System.getProperty("java.class.path");
  }

  private static String waitFor(BlockingQueue<String> lines, java.util.function.Predicate<String> p, Duration bound)
      throws InterruptedException {
    long until = System.nanoTime() + bound.toNanos();
    while (true) {
      long left = until - System.nanoTime();
      if (left <= 0) return null;
      String l = lines.poll(left, TimeUnit.NANOSECONDS);
      if (l != null && p.test(l)) return l;
    }
  }

  /** Stops every child: {@code stop} on its input (it closes and exits), then SIGTERM, then SIGKILL. */
  private void stopAll() throws InterruptedException {
    for (Process p : children.values()) {
      try (OutputStream in = p.getOutputStream()) {
        if (p.isAlive()) in.write("stop\n".getBytes(StandardCharsets.UTF_8));
      } catch (IOException ignored) {
        // gone already
      }
    }
    for (Process p : children.values()) {
      if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroy();
    }
    for (Process p : children.values()) {
      if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly();
      p.waitFor(5, TimeUnit.SECONDS);
    }
    for (Thread relay : relays) relay.join(2_000);
  }

  /** The shutdown hook (Ctrl-C): no child outlives the demo. */
  private void killAll() {
    for (Process p : children.values()) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }
}
