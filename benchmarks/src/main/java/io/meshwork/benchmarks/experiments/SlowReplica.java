package io.meshwork.benchmarks.experiments;

import io.meshwork.core.Destination;
import io.meshwork.core.EndpointStatus;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.CircuitBreakerPolicy;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.LoadBalancerKind;
import io.meshwork.core.model.OutlierDetectionPolicy;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.http.MeshHttp;
import io.meshwork.http.MeshIOException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.HdrHistogram.Histogram;
import org.knowm.xchart.XYChart;

/**
 * Experiment 1, the slow replica, after Buoyant's 2016 "Beyond Round Robin" experiment: eleven
 * replicas answer in about 20 ms; for the middle third of the run one of them takes 2 s. A client
 * offers a fixed rate of requests (open loop) with a 1 s deadline, and the experiment compares
 * how round robin, least-request and peak-EWMA balancing keep the tail down and the requests
 * within the deadline.
 *
 * <p>Each algorithm gets its own run against the same servers, with a fresh {@link Mesh} and
 * client, after a warm-up; they run one after another, so figures are compared as ratios to
 * round robin's in the same invocation. Two policy sets are run:
 *
 * <ul>
 *   <li><b>balancer alone</b>: outlier detection and the circuit breaker off, so only the
 *       balancer keeps traffic away from the slow replica (the comparison Buoyant made);
 *   <li><b>mesh defaults</b>: every default of the client policy except the load balancer and
 *       the 1 s timeout, outlier detection included (what a user gets).
 * </ul>
 *
 * <p>Latency is measured from each request's intended send time ({@link OpenLoop}); a request
 * that fails (the deadline) is recorded at the time it failed, so the tail shows it. Results:
 * {@code slow-replica.md}, {@code slow-replica.csv}, {@code slow-replica.png} under
 * {@code benchmarks/results/experiments/}.
 *
 * <p>Run: {@code benchmarks/run.sh slow-replica [--short]}; options {@code --seconds N} (run
 * length per algorithm, default 60, 15 with --short), {@code --rate N} (requests per second,
 * default 300), {@code --out DIR}.
 */
public final class SlowReplica {
  static final String SERVICE = "greeter";
  static final int REPLICAS = 11;
  static final int SLOW_REPLICA = 5;
  static final long BASE_MICROS = 20_000;
  static final long JITTER_MICROS = 2_000;
  static final long SLOW_MILLIS = 2_000;
  static final Duration DEADLINE = Duration.ofSeconds(1);
  static final LoadBalancerKind[] KINDS = {LoadBalancerKind.ROUND_ROBIN, LoadBalancerKind.LEAST_REQUEST, LoadBalancerKind.PEAK_EWMA};

  /** The two policy sets compared. */
  enum Mode {
    BALANCER_ALONE("balancer alone (outlier detection and breaker off)"),
    MESH_DEFAULTS("mesh defaults (outlier detection on)");

    final String title;

    Mode(String title) {
      this.title = title;
    }
  }

  /** Latencies and successes of a set of requests. */
  static final class Sample {
    final Histogram latency = histogram();
    int requests;
    int ok;

    void add(long latencyNanos, boolean success) {
      latency.recordValue(Math.max(1, latencyNanos / 1000));
      requests++;
      if (success) ok++;
    }

    double withinDeadlinePercent() {
      return requests == 0 ? 0 : 100.0 * ok / requests;
    }
  }

  /**
   * What one run measured: every request ({@code all}), those due in the slow third
   * ({@code slow}), and the same two with the requests near a process stall set aside
   * ({@code allClean}, {@code slowClean}; see {@link Hiccups#near}).
   */
  record Run(Mode mode, LoadBalancerKind kind, Sample all, Sample slow, Sample allClean, Sample slowClean,
      long slowReplicaArrivals, long arrivalsDuringSlow, double achievedRate,
      long maxLagMicros, int peakInFlight, long ejections, Map<String, Long> failures, double maxHiccupMs, int stalls) {

    Sample sample(boolean slowOnly, boolean clean) {
      return slowOnly ? (clean ? slowClean : slow) : (clean ? allClean : all);
    }

    double slowReplicaSharePercent() {
      return arrivalsDuringSlow == 0 ? 0 : 100.0 * slowReplicaArrivals / arrivalsDuringSlow;
    }
  }

  private SlowReplica() {}

  public static void main(String[] args) throws Exception {
    Quiet.logs();
    int status = 0;
    try {
      Options o = Options.parse("slow-replica", args, Set.of("seconds", "rate", "out"));
      int seconds = o.integer("seconds", o.quick() ? 15 : 60, 6, 3600);
      int rate = o.integer("rate", 300, 10, 5000);
      Path out = o.path("out", Path.of("benchmarks/results/experiments"));
      run(seconds, rate, o.quick() ? 2 : 5, out);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      status = 2;
    } catch (Throwable t) {
      t.printStackTrace();
      status = 1;
    }
    System.exit(status);
  }

  static void run(int seconds, int rate, int warmupSeconds, Path out) throws Exception {
    System.out.printf("slow replica: %d replicas of ~%d ms, replica %d takes %d ms from %ds to %ds of each %ds run; "
            + "%d req/s open loop, deadline %d ms%n",
        REPLICAS, BASE_MICROS / 1000, SLOW_REPLICA, SLOW_MILLIS, seconds / 3, 2 * seconds / 3, seconds, rate,
        DEADLINE.toMillis());
    InMemoryRegistry registry = InMemoryRegistry.create();
    Mesh serverMesh = Mesh.builder().serviceName(SERVICE).registry(registry).meterRegistry(new SimpleMeterRegistry()).build();
    SlowWindow window = new SlowWindow();
    List<Run> runs = new ArrayList<>();
    // Enough handler threads for every request the slow replica can hold: all of it, at worst.
    int threads = Math.max(64, rate * (int) (SLOW_MILLIS / 1000) + 64);
    try (Replicas replicas = Replicas.start(serverMesh, REPLICAS, threads, window::handle); Hiccups hiccups = new Hiccups()) {
      for (Mode mode : Mode.values()) {
        for (LoadBalancerKind kind : KINDS) {
          registry.putService(ServiceConfig.builder(SERVICE).endpoints(replicas.endpoints()).client(policy(mode, kind)).build());
          Run r = runOne(registry, replicas, window, hiccups, mode, kind, seconds, rate, warmupSeconds);
          runs.add(r);
          System.out.printf(java.util.Locale.ROOT, "  %-14s %-14s p50 %7.1f  p99 %7.1f  p99.9 %7.1f ms  within deadline %.3f%% "
                  + "(%.3f%% with %d requests near %d stalls set aside; sent %.0f/s, max send lag %d us, max hiccup %.0f ms)%n",
              mode.name().toLowerCase(), kind.documentName(), ms(r.allClean.latency, 50), ms(r.allClean.latency, 99),
              ms(r.allClean.latency, 99.9), r.all.withinDeadlinePercent(), r.allClean.withinDeadlinePercent(),
              r.all.requests - r.allClean.requests, r.stalls, r.achievedRate, r.maxLagMicros, r.maxHiccupMs);
        }
      }
    } finally {
      serverMesh.close();
      registry.close();
    }
    write(runs, seconds, rate, warmupSeconds, out);
  }

  static ClientPolicy policy(Mode mode, LoadBalancerKind kind) {
    ClientPolicy.Builder b = ClientPolicy.builder().timeout(DEADLINE).loadBalancer(kind);
    if (mode == Mode.BALANCER_ALONE) {
      b.outlierDetection(OutlierDetectionPolicy.DISABLED);
      b.circuitBreaker(CircuitBreakerPolicy.DISABLED);
    }
    return b.build();
  }

  /** Which replica is slow, and when: the middle third of the measured run. */
  static final class SlowWindow {
    private volatile long from = Long.MAX_VALUE;
    private volatile long until = Long.MIN_VALUE;

    void set(long fromNanos, long untilNanos) {
      from = fromNanos;
      until = untilNanos;
    }

    int handle(int replica, long now) throws InterruptedException {
      long micros = replica == SLOW_REPLICA && now - from >= 0 && now - until < 0
          ? SLOW_MILLIS * 1000
          : BASE_MICROS - JITTER_MICROS + ThreadLocalRandom.current().nextLong(2 * JITTER_MICROS + 1);
      TimeUnit.MICROSECONDS.sleep(micros);
      return 200;
    }
  }

  private static Run runOne(InMemoryRegistry registry, Replicas replicas, SlowWindow window, Hiccups hiccups, Mode mode,
      LoadBalancerKind kind, int seconds, int rate, int warmupSeconds) throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Mesh mesh = Mesh.builder().serviceName("loadgen").registry(registry).meterRegistry(meters).build();
    OkHttpClient http = MeshHttp.configure(mesh, new OkHttpClient.Builder()
        .connectionPool(new ConnectionPool(256, 5, TimeUnit.MINUTES))).build();
    Request request = new Request.Builder().url("http://" + SERVICE + "/").build();
    try (OpenLoop load = new OpenLoop("slow-replica", 4096)) {
      // Warm-up: JIT, connections, latency estimates; not recorded.
      window.set(Long.MAX_VALUE, Long.MIN_VALUE);
      load.run(System.nanoTime(), rate, warmupSeconds * rate, (i, due) -> send(http, request), DEADLINE.multipliedBy(3));
      Destination d = mesh.destination(SERVICE);
      long ejectionsBefore = d.endpoints().stream().mapToLong(EndpointStatus::ejections).sum();

      int count = seconds * rate;
      long start = System.nanoTime() + 50_000_000;
      long slowFrom = start + TimeUnit.SECONDS.toNanos(seconds) / 3;
      long slowUntil = start + TimeUnit.SECONDS.toNanos(seconds) * 2 / 3;
      window.set(slowFrom, slowUntil);
      long bucket = TimeUnit.SECONDS.toNanos(seconds) / 3;
      Replicas.Arrivals arrivals = replicas.count(start, bucket, 3);
      long[] latency = new long[count];
      boolean[] ok = new boolean[count];
      Map<String, LongAdder> failures = new ConcurrentHashMap<>();
      hiccups.reset();
      boolean drained = load.run(start, rate, count, new OpenLoop.Sender() {
        @Override
        public void send(int i, long due) {
          String failure = SlowReplica.send(http, request);
          long l = System.nanoTime() - due;
          latency[i] = l;
          ok[i] = failure == null && l <= DEADLINE.toNanos();
          if (failure != null) failures.computeIfAbsent(failure, k -> new LongAdder()).increment();
          else if (!ok[i]) failures.computeIfAbsent("late (success after the deadline)", k -> new LongAdder()).increment();
        }

        @Override
        public void refused(int i, long due) {
          latency[i] = DEADLINE.toNanos() * 10;
          failures.computeIfAbsent("not sent (generator limit)", k -> new LongAdder()).increment();
        }
      }, DEADLINE.multipliedBy(5));
      if (!drained) throw new IllegalStateException("requests still in flight 5 s after the last was due");
      long ejections = d.endpoints().stream().mapToLong(EndpointStatus::ejections).sum() - ejectionsBefore;

      Sample all = new Sample();
      Sample slow = new Sample();
      Sample allClean = new Sample();
      Sample slowClean = new Sample();
      for (int i = 0; i < count; i++) {
        long due = start + Math.round(i * 1e9 / rate);
        boolean inSlowThird = due - slowFrom >= 0 && due - slowUntil < 0;
        boolean clean = !hiccups.near(due, DEADLINE.toNanos());
        all.add(latency[i], ok[i]);
        if (inSlowThird) slow.add(latency[i], ok[i]);
        if (clean) allClean.add(latency[i], ok[i]);
        if (clean && inSlowThird) slowClean.add(latency[i], ok[i]);
      }
      Map<String, Long> failureCounts = new TreeMap<>();
      failures.forEach((k, v) -> failureCounts.put(k, v.sum()));
      return new Run(mode, kind, all, slow, allClean, slowClean,
          arrivals.count(1, 2, SLOW_REPLICA), arrivals.total(1, 2), load.sentPerSecond(),
          load.maxLagNanos() / 1000, load.peakInFlight(), ejections, failureCounts, hiccups.maxMillis(), hiccups.stallCount());
    } finally {
      http.dispatcher().executorService().shutdownNow();
      http.connectionPool().evictAll();
      mesh.close();
      // Requests the slow replica still holds finish within its 2 s; let them before the next run.
      Thread.sleep(SLOW_MILLIS + 200);
    }
  }

  /** Sends one request; returns null on a 200, else what went wrong. */
  static String send(OkHttpClient http, Request request) {
    try (Response r = http.newCall(request).execute()) {
      r.body().bytes();
      return r.code() == 200 ? null : "HTTP " + r.code();
    } catch (MeshIOException e) {
      return e.reason().getClass().getSimpleName();
    } catch (IOException e) {
      return e.getClass().getSimpleName();
    }
  }

  static Histogram histogram() {
    return new Histogram(TimeUnit.SECONDS.toMicros(100), 3);
  }

  static double ms(Histogram h, double percentile) {
    return h.getValueAtPercentile(percentile) / 1000.0;
  }

  // ---- Output -----------------------------------------------------------------------------

  private static void write(List<Run> runs, int seconds, int rate, int warmupSeconds, Path out) throws IOException {
    Files.createDirectories(out);
    StringBuilder md = new StringBuilder();
    md.append("# Slow replica\n\n");
    md.append("Measured ").append(LocalDate.now()).append(" with `benchmarks/run.sh slow-replica")
        .append(seconds == 60 && rate == 300 ? "" : " --seconds " + seconds + " --rate " + rate).append("` on ")
        .append(Runtime.getRuntime().availableProcessors()).append(" cores (a shared machine: compare ratios within this run).\n\n");
    md.append(String.format(java.util.Locale.ROOT,
        "%d replicas on 127.0.0.1 answer in %d±%d ms; replica %d takes %d ms from %d s to %d s of each %d s run. "
            + "Open loop at %d req/s, latency from the intended send time, deadline %d ms (policy timeout). "
            + "Each algorithm runs after a %d s warm-up with a fresh mesh and client, against the same servers.%n%n",
        REPLICAS, BASE_MICROS / 1000, JITTER_MICROS / 1000, SLOW_REPLICA, SLOW_MILLIS, seconds / 3, 2 * seconds / 3,
        seconds, rate, DEADLINE.toMillis(), warmupSeconds));
    md.append("The shared machine stalls this whole process now and then (for over a second at times), which fails requests "
        + "whatever the balancer. The tables therefore set aside the requests due within the deadline before or during "
        + "a stall of 200 ms or more (by due time only, so no algorithm is favoured) and give success over all requests "
        + "beside it.\n\n");

    Table csv = new Table("mode", "algorithm", "phase", "requests", "stalls_set_aside", "p50_ms", "p90_ms", "p99_ms",
        "p99_9_ms", "max_ms", "within_deadline_pct", "slow_replica_share_pct", "p99_vs_rr", "p99_9_vs_rr", "failed_vs_rr",
        "sent_per_s", "max_send_lag_ms", "peak_in_flight", "ejections", "max_hiccup_ms", "stalls");
    for (Mode mode : Mode.values()) {
      List<Run> ofMode = runs.stream().filter(r -> r.mode == mode).toList();
      if (ofMode.isEmpty()) continue;
      Run rr = ofMode.stream().filter(r -> r.kind == LoadBalancerKind.ROUND_ROBIN).findFirst().orElse(ofMode.get(0));
      md.append("## ").append(capitalize(mode.title)).append("\n\n");
      for (boolean slowOnly : new boolean[] {false, true}) {
        md.append(slowOnly ? "Requests due in the slow third:\n\n" : "Whole run:\n\n");
        Table t = new Table("algorithm", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "within deadline",
            "(all requests)", "to slow replica", "p99 vs RR", "p99.9 vs RR", "failed vs RR");
        for (Run r : ofMode) {
          Sample x = r.sample(slowOnly, true);
          Sample base = rr.sample(slowOnly, true);
          Histogram h = x.latency;
          t.row(r.kind.documentName(), Table.num(ms(h, 50), 1), Table.num(ms(h, 90), 1), Table.num(ms(h, 99), 1),
              Table.num(ms(h, 99.9), 1), Table.num(x.withinDeadlinePercent(), 2) + " %",
              Table.num(r.sample(slowOnly, false).withinDeadlinePercent(), 2) + " %",
              Table.num(r.slowReplicaSharePercent(), 2) + " %",
              Table.ratio(ms(h, 99), ms(base.latency, 99)), Table.ratio(ms(h, 99.9), ms(base.latency, 99.9)),
              Table.ratio(100 - x.withinDeadlinePercent(), 100 - base.withinDeadlinePercent()));
          for (boolean clean : new boolean[] {true, false}) {
            Sample c = r.sample(slowOnly, clean);
            Sample b = rr.sample(slowOnly, clean);
            double failed = 100 - c.withinDeadlinePercent();
            double baseFailed = 100 - b.withinDeadlinePercent();
            csv.row(mode.name().toLowerCase(), r.kind.documentName(), slowOnly ? "slow-third" : "all", c.requests, clean,
                Table.num(ms(c.latency, 50), 2), Table.num(ms(c.latency, 90), 2), Table.num(ms(c.latency, 99), 2),
                Table.num(ms(c.latency, 99.9), 2), Table.num(c.latency.getMaxValue() / 1000.0, 2),
                Table.num(c.withinDeadlinePercent(), 3), Table.num(r.slowReplicaSharePercent(), 3),
                Table.num(ms(c.latency, 99) / ms(b.latency, 99), 4), Table.num(ms(c.latency, 99.9) / ms(b.latency, 99.9), 4),
                Table.num(baseFailed == 0 ? Double.NaN : failed / baseFailed, 4), Table.num(r.achievedRate, 1),
                Table.num(r.maxLagMicros / 1000.0, 2), r.peakInFlight, r.ejections, Table.num(r.maxHiccupMs, 1), r.stalls);
          }
        }
        md.append(t.markdown()).append('\n');
      }
      md.append("Failures (all requests), load generator, stalls and ejections:\n\n");
      Table f = new Table("algorithm", "failed requests", "sent per s", "max send lag", "peak in flight", "max hiccup",
          "stalls ≥ 200 ms", "requests set aside", "ejections");
      for (Run r : ofMode) {
        f.row(r.kind.documentName(), r.failures.isEmpty() ? "none" : r.failures.toString().replaceAll("[{}]", ""),
            Table.num(r.achievedRate, 1), Table.num(r.maxLagMicros / 1000.0, 1) + " ms", r.peakInFlight,
            Table.num(r.maxHiccupMs, 0) + " ms", r.stalls, r.all.requests - r.allClean.requests, r.ejections);
      }
      md.append(f.markdown()).append('\n');
    }
    md.append("\"to slow replica\": share of the requests that reached the servers during the slow third that went to the "
        + "slow replica (1/11 = 9.09 % is an even share). Ratios are to round robin of the same mode in this run; "
        + "\"failed vs RR\" compares the shares of requests not answered 200 within the deadline. \"max hiccup\": the longest "
        + "stall of the whole process in the run (a thread that sleeps 1 ms and measures how late it wakes); \"max send "
        + "lag\": the generator's own delay in handing a request to a sender.\n\n");
    md.append("![latency by percentile](slow-replica.png)\n");
    Files.writeString(out.resolve("slow-replica.md"), md.toString(), StandardCharsets.UTF_8);
    Files.writeString(out.resolve("slow-replica.csv"), csv.csv(), StandardCharsets.UTF_8);

    List<XYChart> charts = new ArrayList<>();
    for (Mode mode : Mode.values()) {
      Map<String, Histogram> series = new LinkedHashMap<>();
      for (Run r : runs) if (r.mode == mode) series.put(r.kind.documentName(), r.allClean.latency);
      if (!series.isEmpty()) {
        charts.add(Charts.percentiles("Slow replica, " + mode.title, series, DEADLINE.toMillis()));
      }
    }
    Charts.png(charts, charts.size(), out.resolve("slow-replica.png"));
    System.out.println("wrote " + out.resolve("slow-replica.md") + ", .csv, .png");
  }

  private static String capitalize(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
