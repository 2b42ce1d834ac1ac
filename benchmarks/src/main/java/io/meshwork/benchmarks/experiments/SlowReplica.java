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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import okhttp3.Callback;
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
 * round robin's in the same invocation and mode. Blocking callers (a sender thread per request)
 * run two policy sets at {@code --rate}; asynchronous callers ({@code enqueue()} on the client
 * exactly as {@code MeshHttp.client(mesh)} makes it) run at 500 and 1,000 requests a second,
 * either cancelling each call at their own 1 s deadline, before the mesh's 1.1 s timeout (as a
 * gRPC deadline, {@code orTimeout} or an upstream hang-up does), or leaving it to the mesh's
 * 1 s timeout (peak-EWMA only). The blocking policy sets:
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

  /** How the load generator calls: one blocking call per sender thread, or {@code enqueue()}. */
  enum Caller { BLOCKING, ASYNC, ASYNC_CANCELLING }

  /**
   * The policy sets and callers compared. The blocking modes run at {@code --rate}; the
   * asynchronous ones at {@link #ASYNC_RATES}, with the client exactly as
   * {@code MeshHttp.client(mesh)} makes it.
   */
  enum Mode {
    BALANCER_ALONE("blocking, balancer alone (outlier detection and breaker off)", Caller.BLOCKING, DEADLINE, KINDS),
    MESH_DEFAULTS("blocking, mesh defaults (outlier detection on)", Caller.BLOCKING, DEADLINE, KINDS),
    ASYNC_CANCELLING("async, callers cancel at their 1 s deadline, before the mesh's 1.1 s timeout (mesh defaults)",
        Caller.ASYNC_CANCELLING, Duration.ofMillis(1_100), KINDS),
    ASYNC("async, no caller deadline: the mesh's 1 s timeout ends calls (mesh defaults)", Caller.ASYNC, DEADLINE,
        new LoadBalancerKind[] {LoadBalancerKind.PEAK_EWMA});

    final String title;
    final Caller caller;
    /** The policy timeout. */
    final Duration timeout;
    final LoadBalancerKind[] kinds;

    Mode(String title, Caller caller, Duration timeout, LoadBalancerKind[] kinds) {
      this.title = title;
      this.caller = caller;
      this.timeout = timeout;
      this.kinds = kinds;
    }
  }

  /** Request rates of the asynchronous modes. */
  static final int[] ASYNC_RATES = {500, 1000};

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
  record Run(Mode mode, int rate, LoadBalancerKind kind, Sample all, Sample slow, Sample allClean, Sample slowClean,
      long slowReplicaArrivals, long arrivalsDuringSlow, double achievedRate,
      long maxLagMicros, int peakInFlight, long ejections, Map<String, Long> failures, double maxHiccupMs, int stalls) {

    Sample sample(boolean slowOnly, boolean clean) {
      return slowOnly ? (clean ? slowClean : slow) : (clean ? allClean : all);
    }

    /** The runs compared with each other: same mode and rate. */
    String group() {
      return mode.name() + "@" + rate;
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
    int maxRate = Math.max(rate, ASYNC_RATES[ASYNC_RATES.length - 1]);
    int threads = Math.max(64, maxRate * (int) (SLOW_MILLIS / 1000) + 64);
    try (Replicas replicas = Replicas.start(serverMesh, REPLICAS, threads, window::handle); Hiccups hiccups = new Hiccups()) {
      for (Mode mode : Mode.values()) {
        for (int r0 : mode.caller == Caller.BLOCKING ? new int[] {rate} : ASYNC_RATES) {
          for (LoadBalancerKind kind : mode.kinds) {
            registry.putService(ServiceConfig.builder(SERVICE).endpoints(replicas.endpoints()).client(policy(mode, kind)).build());
            Run r = runOne(registry, replicas, window, hiccups, mode, kind, seconds, r0, warmupSeconds);
            runs.add(r);
            System.out.printf(java.util.Locale.ROOT, "  %-16s %4d/s %-14s p50 %7.1f  p99 %7.1f  p99.9 %7.1f ms  within deadline %.3f%% "
                    + "(%.3f%% with %d requests near %d stalls set aside; to slow %.3f%%; sent %.0f/s, max send lag %d us, "
                    + "max hiccup %.0f ms) failures %s%n",
                mode.name().toLowerCase(), r0, kind.documentName(), ms(r.allClean.latency, 50), ms(r.allClean.latency, 99),
                ms(r.allClean.latency, 99.9), r.all.withinDeadlinePercent(), r.allClean.withinDeadlinePercent(),
                r.all.requests - r.allClean.requests, r.stalls, r.slowReplicaSharePercent(), r.achievedRate,
                r.maxLagMicros, r.maxHiccupMs, r.failures);
          }
        }
      }
    } finally {
      serverMesh.close();
      registry.close();
    }
    write(runs, seconds, rate, warmupSeconds, out);
  }

  static ClientPolicy policy(Mode mode, LoadBalancerKind kind) {
    ClientPolicy.Builder b = ClientPolicy.builder().timeout(mode.timeout).loadBalancer(kind);
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
    // Blocking callers get a pool for their many threads; asynchronous ones the client as it comes.
    OkHttpClient http = mode.caller == Caller.BLOCKING
        ? MeshHttp.configure(mesh, new OkHttpClient.Builder().connectionPool(new ConnectionPool(256, 5, TimeUnit.MINUTES))).build()
        : MeshHttp.client(mesh);
    Request request = new Request.Builder().url("http://" + SERVICE + "/").build();
    ScheduledThreadPoolExecutor callerDeadlines = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "slow-replica-caller-deadlines");
      t.setDaemon(true);
      return t;
    });
    callerDeadlines.setRemoveOnCancelPolicy(true);
    try (OpenLoop load = new OpenLoop("slow-replica", 4096)) {
      // Warm-up: JIT, connections, latency estimates; not recorded.
      window.set(Long.MAX_VALUE, Long.MIN_VALUE);
      int warmups = warmupSeconds * rate;
      CountDownLatch warm = new CountDownLatch(warmups);
      load.run(System.nanoTime(), rate, warmups, (i, due) -> {
        if (mode.caller == Caller.BLOCKING) {
          send(http, request);
          warm.countDown();
        } else {
          sendAsync(http, request, due, mode.caller == Caller.ASYNC_CANCELLING, callerDeadlines, (l, failure) -> warm.countDown());
        }
      }, DEADLINE.multipliedBy(3));
      warm.await(5, TimeUnit.SECONDS);
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
      CountDownLatch done = new CountDownLatch(count);
      AtomicInteger inFlight = new AtomicInteger();
      AtomicInteger peakInFlight = new AtomicInteger();
      hiccups.reset();
      load.run(start, rate, count, new OpenLoop.Sender() {
        @Override
        public void send(int i, long due) {
          Outcome record = (l, failure) -> {
            latency[i] = l;
            ok[i] = failure == null && l <= DEADLINE.toNanos();
            if (failure != null) failures.computeIfAbsent(failure, k -> new LongAdder()).increment();
            else if (!ok[i]) failures.computeIfAbsent("late (success after the deadline)", k -> new LongAdder()).increment();
            inFlight.decrementAndGet();
            done.countDown();
          };
          peakInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
          if (mode.caller == Caller.BLOCKING) {
            String failure = SlowReplica.send(http, request);
            record.completed(System.nanoTime() - due, failure);
          } else {
            sendAsync(http, request, due, mode.caller == Caller.ASYNC_CANCELLING, callerDeadlines, record);
          }
        }

        @Override
        public void refused(int i, long due) {
          latency[i] = DEADLINE.toNanos() * 10;
          failures.computeIfAbsent("not sent (generator limit)", k -> new LongAdder()).increment();
          done.countDown();
        }
      }, DEADLINE.multipliedBy(5));
      if (!done.await(5, TimeUnit.SECONDS)) {
        throw new IllegalStateException(done.getCount() + " requests still in flight 5 s after the last was due");
      }
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
      return new Run(mode, rate, kind, all, slow, allClean, slowClean,
          arrivals.count(1, 2, SLOW_REPLICA), arrivals.total(1, 2), load.sentPerSecond(),
          load.maxLagNanos() / 1000, peakInFlight.get(),
          ejections, failureCounts, hiccups.maxMillis(), hiccups.stallCount());
    } finally {
      callerDeadlines.shutdownNow();
      http.dispatcher().cancelAll();
      http.dispatcher().executorService().shutdownNow();
      http.connectionPool().evictAll();
      mesh.close();
      // Requests the slow replica still holds finish within its 2 s; let them before the next run.
      Thread.sleep(SLOW_MILLIS + 200);
    }
  }

  /** What became of one request: its latency from the due time, and null or what went wrong. */
  @FunctionalInterface
  interface Outcome {
    void completed(long latencyNanos, String failure);
  }

  /**
   * Sends one request with {@code enqueue()}; {@code outcome} hears of it on OkHttp's thread. A
   * cancelling caller gives up at its deadline, {@link #DEADLINE} after the request was due, as
   * {@code CompletableFuture.orTimeout} or an upstream hang-up would: it cancels the call.
   */
  static void sendAsync(OkHttpClient http, Request request, long due, boolean cancelling,
      ScheduledExecutorService deadlines, Outcome outcome) {
    okhttp3.Call call = http.newCall(request);
    ScheduledFuture<?> deadline = cancelling
        ? deadlines.schedule(call::cancel, due + DEADLINE.toNanos() - System.nanoTime(), TimeUnit.NANOSECONDS)
        : null;
    call.enqueue(new Callback() {
      @Override
      public void onResponse(okhttp3.Call c, Response r) {
        String failure;
        try (r) {
          r.body().bytes();
          failure = r.code() == 200 ? null : "HTTP " + r.code();
        } catch (IOException e) {
          failure = c.isCanceled() ? "cancelled by the caller at its deadline" : e.getClass().getSimpleName();
        }
        if (deadline != null) deadline.cancel(false);
        outcome.completed(System.nanoTime() - due, failure);
      }

      @Override
      public void onFailure(okhttp3.Call c, IOException e) {
        if (deadline != null) deadline.cancel(false);
        String failure = c.isCanceled() ? "cancelled by the caller at its deadline"
            : e instanceof MeshIOException m ? m.reason().getClass().getSimpleName() : e.getClass().getSimpleName();
        outcome.completed(System.nanoTime() - due, failure);
      }
    });
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
            + "Open loop, latency from the intended send time, deadline %d ms. Blocking callers (a thread per request, "
            + "policy timeout = the deadline) at %d req/s; asynchronous callers (`enqueue()` on `MeshHttp.client(mesh)` "
            + "as it comes) at %s req/s, either cancelling each call at their own %d ms deadline while the mesh's "
            + "timeout is %d ms, or leaving it to the mesh's %d ms timeout. "
            + "Each algorithm runs after a %d s warm-up with a fresh mesh and client, against the same servers.%n%n",
        REPLICAS, BASE_MICROS / 1000, JITTER_MICROS / 1000, SLOW_REPLICA, SLOW_MILLIS, seconds / 3, 2 * seconds / 3,
        seconds, DEADLINE.toMillis(), rate, java.util.Arrays.toString(ASYNC_RATES).replaceAll("[\\[\\]]", ""),
        DEADLINE.toMillis(), Mode.ASYNC_CANCELLING.timeout.toMillis(), DEADLINE.toMillis(), warmupSeconds));
    md.append("The shared machine stalls this whole process now and then (for over a second at times), which fails requests "
        + "whatever the balancer. The tables therefore set aside the requests due within the deadline before or during "
        + "a stall of 200 ms or more (by due time only, so no algorithm is favoured) and give success over all requests "
        + "beside it.\n\n");

    Table csv = new Table("mode", "rate", "algorithm", "phase", "requests", "stalls_set_aside", "p50_ms", "p90_ms", "p99_ms",
        "p99_9_ms", "max_ms", "within_deadline_pct", "slow_replica_share_pct", "p99_vs_rr", "p99_9_vs_rr", "failed_vs_rr",
        "sent_per_s", "max_send_lag_ms", "peak_in_flight", "ejections", "max_hiccup_ms", "stalls");
    Map<String, List<Run>> groups = new LinkedHashMap<>();
    for (Run r : runs) groups.computeIfAbsent(r.group(), k -> new ArrayList<>()).add(r);
    for (List<Run> ofMode : groups.values()) {
      Mode mode = ofMode.get(0).mode;
      // Ratios are to round robin in the same mode and rate; a group without it has none ("–").
      Run rr = ofMode.stream().filter(r -> r.kind == LoadBalancerKind.ROUND_ROBIN).findFirst().orElse(null);
      md.append("## ").append(capitalize(mode.title)).append(", ").append(ofMode.get(0).rate).append(" req/s\n\n");
      for (boolean slowOnly : new boolean[] {false, true}) {
        md.append(slowOnly ? "Requests due in the slow third:\n\n" : "Whole run:\n\n");
        Table t = new Table("algorithm", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "within deadline",
            "(all requests)", "to slow replica", "p99 vs RR", "p99.9 vs RR", "failed vs RR");
        for (Run r : ofMode) {
          Sample x = r.sample(slowOnly, true);
          Sample base = rr == null ? null : rr.sample(slowOnly, true);
          Histogram h = x.latency;
          t.row(r.kind.documentName(), Table.num(ms(h, 50), 1), Table.num(ms(h, 90), 1), Table.num(ms(h, 99), 1),
              Table.num(ms(h, 99.9), 1), Table.num(x.withinDeadlinePercent(), 2) + " %",
              Table.num(r.sample(slowOnly, false).withinDeadlinePercent(), 2) + " %",
              Table.num(r.slowReplicaSharePercent(), 2) + " %",
              base == null ? "–" : Table.ratio(ms(h, 99), ms(base.latency, 99)),
              base == null ? "–" : Table.ratio(ms(h, 99.9), ms(base.latency, 99.9)),
              base == null ? "–" : Table.ratio(100 - x.withinDeadlinePercent(), 100 - base.withinDeadlinePercent()));
          for (boolean clean : new boolean[] {true, false}) {
            Sample c = r.sample(slowOnly, clean);
            Sample b = rr == null ? c : rr.sample(slowOnly, clean);
            double failed = 100 - c.withinDeadlinePercent();
            double baseFailed = rr == null ? 0 : 100 - b.withinDeadlinePercent();
            csv.row(mode.name().toLowerCase(), r.rate, r.kind.documentName(), slowOnly ? "slow-third" : "all", c.requests, clean,
                Table.num(ms(c.latency, 50), 2), Table.num(ms(c.latency, 90), 2), Table.num(ms(c.latency, 99), 2),
                Table.num(ms(c.latency, 99.9), 2), Table.num(c.latency.getMaxValue() / 1000.0, 2),
                Table.num(c.withinDeadlinePercent(), 3), Table.num(r.slowReplicaSharePercent(), 3),
                Table.num(rr == null ? Double.NaN : ms(c.latency, 99) / ms(b.latency, 99), 4),
                Table.num(rr == null ? Double.NaN : ms(c.latency, 99.9) / ms(b.latency, 99.9), 4),
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
    Map<String, Map<String, Histogram>> bySeries = new LinkedHashMap<>();
    Map<String, String> titles = new LinkedHashMap<>();
    for (Run r : runs) {
      bySeries.computeIfAbsent(r.group(), k -> new LinkedHashMap<>()).put(r.kind.documentName(), r.allClean.latency);
      titles.put(r.group(), capitalize(r.mode.title.substring(0, r.mode.title.indexOf(" ("))
          .replace(", before the mesh's 1.1 s timeout", "")) + ", " + r.rate + "/s");
    }
    for (Map.Entry<String, Map<String, Histogram>> g : bySeries.entrySet()) {
      charts.add(Charts.percentiles(titles.get(g.getKey()), g.getValue(), DEADLINE.toMillis()));
    }
    Charts.png(charts, (charts.size() + 1) / 2, out.resolve("slow-replica.png"));
    System.out.println("wrote " + out.resolve("slow-replica.md") + ", .csv, .png");
  }

  private static String capitalize(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
