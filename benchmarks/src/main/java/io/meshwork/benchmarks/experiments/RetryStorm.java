package io.meshwork.benchmarks.experiments;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.core.functions.CheckedSupplier;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.CircuitBreakerPolicy;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.OutlierDetectionPolicy;
import io.meshwork.core.model.RetryBudgetPolicy;
import io.meshwork.core.model.RetryThrottlePolicy;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.http.MeshHttp;
import io.meshwork.http.MeshIOException;
import io.micrometer.core.instrument.Counter;
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
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntToDoubleFunction;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.knowm.xchart.XYChart;

/**
 * Experiment 2, the retry storm: three replicas all answer 503 for 10 s, then recover. A client
 * offers a fixed rate of requests (open loop) and retries, or not, by one of these strategies:
 *
 * <ul>
 *   <li><b>none</b>: a plain OkHttp client, one attempt per request, round robin over the
 *       replicas (the baseline: amplification 1 by construction);
 *   <li><b>fixed-3</b>: the same client inside a Resilience4j {@link Retry} of 3 attempts on 503
 *       (exponential random backoff from 25 ms), each attempt to the next replica: what a service
 *       without a budget does;
 *   <li><b>mesh</b>: {@link MeshHttp} with 3 attempts and every default: the retry budget (20 % of
 *       requests + 10/s over 10 s, with its failure throttle), outlier detection and the circuit
 *       breaker;
 *   <li><b>mesh-budget-only</b>: the same with outlier detection and the breaker off, so that
 *       only the budget (window and throttle) limits retries;
 *   <li><b>mesh-window-only</b>: the budget's Finagle window alone (throttle, breaker and outlier
 *       detection off): what Finagle's semantics allow under total failure.
 * </ul>
 *
 * <p>Attempts are counted where they land, at the servers, per second; requests and successes
 * are counted by the second each request was due. Load amplification is attempts ÷ requests.
 * Every strategy runs against the same servers with a fresh client, one after another.
 *
 * <p>Run: {@code benchmarks/run.sh retry-storm [--short]}; options {@code --rate N} (requests per
 * second, default 200), {@code --before N} and {@code --after N} (seconds of health around the
 * 10 s outage, default 10 and 20; 5 and 5 with --short), {@code --out DIR}. Results:
 * {@code retry-storm.md}, {@code retry-storm.csv} (per second), {@code retry-storm-summary.csv},
 * {@code retry-storm.png} under {@code benchmarks/results/experiments/}.
 */
public final class RetryStorm {
  static final String SERVICE = "storm";
  static final int REPLICAS = 3;
  static final int OUTAGE_SECONDS = 10;
  static final long BASE_MICROS = 10_000;
  static final long JITTER_MICROS = 1_000;
  static final Duration DEADLINE = Duration.ofSeconds(1);
  static final int ATTEMPTS = 3;

  /** The strategies compared. */
  enum Strategy {
    NONE("none", "no retries (plain OkHttp, 1 attempt)"),
    FIXED_3("fixed-3", "fixed 3 attempts (Resilience4j Retry)"),
    MESH("mesh", "mesh: 3 attempts, retry budget, all defaults"),
    MESH_BUDGET_ONLY("mesh-budget-only", "mesh: 3 attempts, retry budget only (breaker and outlier detection off)"),
    MESH_WINDOW_ONLY("mesh-window-only", "mesh: 3 attempts, the budget's Finagle window only (throttle, breaker, outlier detection off)");

    final String id;
    final String title;

    Strategy(String id, String title) {
      this.id = id;
      this.title = title;
    }
  }

  /** What one strategy's run measured, per second from the run's start. */
  record Run(Strategy strategy, int seconds, long[] requests, long[] successes, long[] attempts,
      Map<String, Long> failures, double recoverySeconds, long failuresAfter, long meshRetries, long budgetExhausted,
      double sentPerSecond, long maxLagMicros, double maxHiccupMs) {

    long sum(long[] a, int from, int to) {
      long s = 0;
      for (int i = Math.max(0, from); i < Math.min(to, a.length); i++) s += a[i];
      return s;
    }

    double amplification(int from, int to) {
      long req = sum(requests, from, to);
      return req == 0 ? 0 : (double) sum(attempts, from, to) / req;
    }

    double successPercent(int from, int to) {
      long req = sum(requests, from, to);
      return req == 0 ? 0 : 100.0 * sum(successes, from, to) / req;
    }
  }

  /** When the replicas fail. */
  static final class Outage {
    private volatile long from = Long.MAX_VALUE;
    private volatile long until = Long.MIN_VALUE;

    void set(long fromNanos, long untilNanos) {
      from = fromNanos;
      until = untilNanos;
    }

    int handle(int replica, long now) throws InterruptedException {
      if (now - from >= 0 && now - until < 0) return 503;
      TimeUnit.MICROSECONDS.sleep(BASE_MICROS - JITTER_MICROS + ThreadLocalRandom.current().nextLong(2 * JITTER_MICROS + 1));
      return 200;
    }
  }

  private RetryStorm() {}

  public static void main(String[] args) throws Exception {
    Quiet.logs();
    int status = 0;
    try {
      Options o = Options.parse("retry-storm", args, Set.of("rate", "before", "after", "out"));
      int rate = o.integer("rate", 200, 10, 5000);
      int before = o.integer("before", o.quick() ? 5 : 10, 1, 600);
      int after = o.integer("after", o.quick() ? 5 : 20, 1, 600);
      Path out = o.path("out", Path.of("benchmarks/results/experiments"));
      run(rate, before, after, o.quick() ? 2 : 3, out);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      status = 2;
    } catch (Throwable t) {
      t.printStackTrace();
      status = 1;
    }
    System.exit(status);
  }

  static void run(int rate, int before, int after, int warmupSeconds, Path out) throws Exception {
    int seconds = before + OUTAGE_SECONDS + after;
    System.out.printf("retry storm: %d replicas of ~%d ms all answer 503 from %ds to %ds of each %ds run; %d req/s open loop, deadline %d ms%n",
        REPLICAS, BASE_MICROS / 1000, before, before + OUTAGE_SECONDS, seconds, rate, DEADLINE.toMillis());
    InMemoryRegistry registry = InMemoryRegistry.create();
    Mesh serverMesh = Mesh.builder().serviceName(SERVICE).registry(registry).meterRegistry(new SimpleMeterRegistry()).build();
    Outage outage = new Outage();
    List<Run> runs = new ArrayList<>();
    try (Replicas replicas = Replicas.start(serverMesh, REPLICAS, 256, outage::handle); Hiccups hiccups = new Hiccups()) {
      for (Strategy s : Strategy.values()) {
        Run r = runOne(registry, replicas, outage, hiccups, s, rate, before, after, warmupSeconds);
        runs.add(r);
        System.out.printf(Locale.ROOT, "  %-17s amplification during the outage %.2f×, success before %.2f%% after %.2f%%, recovered in %.1f s (max hiccup %.0f ms)%n",
            s.id, r.amplification(before, before + OUTAGE_SECONDS), r.successPercent(0, before),
            r.successPercent(before + OUTAGE_SECONDS, seconds), r.recoverySeconds, r.maxHiccupMs);
      }
    } finally {
      serverMesh.close();
      registry.close();
    }
    write(runs, rate, before, after, out);
  }

  private static Run runOne(InMemoryRegistry registry, Replicas replicas, Outage outage, Hiccups hiccups, Strategy strategy, int rate,
      int before, int after, int warmupSeconds) throws Exception {
    int seconds = before + OUTAGE_SECONDS + after;
    List<Endpoint> endpoints = replicas.endpoints();
    registry.putService(ServiceConfig.builder(SERVICE).endpoints(endpoints).client(policy(strategy)).build());
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Mesh mesh = Mesh.builder().serviceName("loadgen").registry(registry).meterRegistry(meters).build();
    OkHttpClient.Builder builder = new OkHttpClient.Builder().connectionPool(new ConnectionPool(256, 5, TimeUnit.MINUTES));
    OkHttpClient http = strategy == Strategy.NONE || strategy == Strategy.FIXED_3
        ? builder.callTimeout(DEADLINE).build()
        : MeshHttp.configure(mesh, builder).build();
    Client client = client(strategy, http, endpoints);
    try (OpenLoop load = new OpenLoop("retry-storm", 4096)) {
      outage.set(Long.MAX_VALUE, Long.MIN_VALUE);
      load.run(System.nanoTime(), rate, warmupSeconds * rate, (i, due) -> client.call(), DEADLINE.multipliedBy(3));
      double retriesBefore = counted(meters, "mesh.client.retries");
      double exhaustedBefore = counted(meters, "mesh.client.retry.budget.exhausted");

      int count = seconds * rate;
      long start = System.nanoTime() + 50_000_000;
      long outageFrom = start + TimeUnit.SECONDS.toNanos(before);
      long outageUntil = outageFrom + TimeUnit.SECONDS.toNanos(OUTAGE_SECONDS);
      outage.set(outageFrom, outageUntil);
      Replicas.Arrivals arrivals = replicas.count(start, TimeUnit.SECONDS.toNanos(1), seconds);
      boolean[] ok = new boolean[count];
      Map<String, LongAdder> failures = new ConcurrentHashMap<>();
      hiccups.reset();
      boolean drained = load.run(start, rate, count, new OpenLoop.Sender() {
        @Override
        public void send(int i, long due) {
          String failure = client.call();
          boolean inTime = System.nanoTime() - due <= DEADLINE.toNanos();
          ok[i] = failure == null && inTime;
          if (failure != null) failures.computeIfAbsent(failure, k -> new LongAdder()).increment();
          else if (!inTime) failures.computeIfAbsent("late", k -> new LongAdder()).increment();
        }

        @Override
        public void refused(int i, long due) {
          failures.computeIfAbsent("not sent (generator limit)", k -> new LongAdder()).increment();
        }
      }, DEADLINE.multipliedBy(5));
      if (!drained) throw new IllegalStateException("requests still in flight 5 s after the last was due");

      long[] requests = new long[seconds];
      long[] successes = new long[seconds];
      long[] attempts = new long[seconds];
      long failuresAfter = 0;
      int firstAfter = count;
      for (int i = 0; i < count; i++) {
        long due = start + Math.round(i * 1e9 / rate);
        int sec = (int) ((due - start) / 1_000_000_000L);
        requests[sec]++;
        if (ok[i]) successes[sec]++;
        if (due - outageUntil >= 0) {
          firstAfter = Math.min(firstAfter, i);
          if (!ok[i]) failuresAfter++;
        }
      }
      for (int s = 0; s < seconds; s++) attempts[s] = arrivals.count(s);
      double recovery = recovery(ok, firstAfter, rate, start, outageUntil);
      Map<String, Long> failureCounts = new TreeMap<>();
      failures.forEach((k, v) -> failureCounts.put(k, v.sum()));
      return new Run(strategy, seconds, requests, successes, attempts, failureCounts, recovery, failuresAfter,
          Math.round(counted(meters, "mesh.client.retries") - retriesBefore),
          Math.round(counted(meters, "mesh.client.retry.budget.exhausted") - exhaustedBefore),
          load.sentPerSecond(), load.maxLagNanos() / 1000, hiccups.maxMillis());
    } finally {
      http.dispatcher().executorService().shutdownNow();
      http.connectionPool().evictAll();
      mesh.close();
      outage.set(Long.MAX_VALUE, Long.MIN_VALUE);
    }
  }

  /**
   * Seconds from the end of the outage to the first request that starts a run of one second's
   * worth of requests ({@code rate}) of which at least 99 % succeeded; NaN if none in the run.
   * A window rather than the last failure, so that a later stall of the machine is not taken
   * for a slow recovery.
   */
  static double recovery(boolean[] ok, int firstAfter, int rate, long start, long outageUntil) {
    int window = rate;
    int okInWindow = 0;
    for (int i = firstAfter; i < ok.length; i++) {
      if (ok[i]) okInWindow++;
      int from = i - window + 1;
      if (from > firstAfter && ok[from - 1]) okInWindow--;
      if (from >= firstAfter && okInWindow * 100 >= 99 * window) {
        long due = start + Math.round(from * 1e9 / rate);
        return Math.max(0, (due - outageUntil) / 1e9);
      }
    }
    return Double.NaN;
  }

  static ClientPolicy policy(Strategy s) {
    ClientPolicy.Builder b = ClientPolicy.builder()
        .timeout(DEADLINE)
        .retries(ClientPolicy.DEFAULT.retries().withMaxAttempts(s == Strategy.NONE ? 1 : ATTEMPTS))
        .retryBudget(s == Strategy.MESH_WINDOW_ONLY
            ? RetryBudgetPolicy.DEFAULT.withThrottle(RetryThrottlePolicy.DISABLED) : RetryBudgetPolicy.DEFAULT);
    if (s == Strategy.MESH_BUDGET_ONLY || s == Strategy.MESH_WINDOW_ONLY) {
      b.outlierDetection(OutlierDetectionPolicy.DISABLED);
      b.circuitBreaker(CircuitBreakerPolicy.DISABLED);
    }
    return b.build();
  }

  private static double counted(SimpleMeterRegistry meters, String name) {
    return meters.find(name).counters().stream().mapToDouble(Counter::count).sum();
  }

  /** Sends one request by a strategy; returns null on a 200, else what went wrong. */
  interface Client {
    String call();
  }

  private static Client client(Strategy strategy, OkHttpClient http, List<Endpoint> endpoints) {
    if (strategy != Strategy.NONE && strategy != Strategy.FIXED_3) {
      Request request = new Request.Builder().url("http://" + SERVICE + "/").build();
      return () -> outcome(() -> http.newCall(request).execute());
    }
    // Without a mesh, the client balances itself: round robin over the replicas, per attempt.
    List<Request> requests = new ArrayList<>();
    for (Endpoint e : endpoints) requests.add(new Request.Builder().url("http://" + e.address() + "/").build());
    AtomicInteger next = new AtomicInteger();
    CheckedSupplier<Response> attempt = () -> http.newCall(requests.get(Math.floorMod(next.getAndIncrement(), requests.size()))).execute();
    if (strategy == Strategy.NONE) {
      return () -> outcome(attempt);
    }
    RetryConfig config = RetryConfig.<Response>custom()
        .maxAttempts(ATTEMPTS)
        .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(Duration.ofMillis(25), 2.0, 0.5))
        .retryOnResult(r -> r.code() == 503)
        .retryExceptions(IOException.class)
        .consumeResultBeforeRetryAttempt((n, r) -> r.close())
        .build();
    CheckedSupplier<Response> retried = Retry.decorateCheckedSupplier(Retry.of("fixed-3", config), attempt);
    return () -> outcome(retried);
  }

  private static String outcome(CheckedSupplier<Response> call) {
    try (Response r = call.get()) {
      r.body().bytes();
      return r.code() == 200 ? null : "HTTP " + r.code();
    } catch (MeshIOException e) {
      return e.reason().getClass().getSimpleName();
    } catch (Throwable e) {
      return e.getClass().getSimpleName();
    }
  }

  // ---- Output -----------------------------------------------------------------------------

  /** Two points per second, at its start and its end, so that a line draws each value as a step. */
  private static double[] steps(int seconds, IntToDoubleFunction value) {
    double[] out = new double[2 * seconds];
    for (int s = 0; s < seconds; s++) {
      out[2 * s] = value.applyAsDouble(s);
      out[2 * s + 1] = value.applyAsDouble(s);
    }
    return out;
  }

  /** The x values of {@link #steps}: each second's start and end. */
  private static double[] stepTimes(int seconds) {
    double[] out = new double[2 * seconds];
    for (int s = 0; s < seconds; s++) {
      out[2 * s] = s;
      out[2 * s + 1] = s + 1;
    }
    return out;
  }

  private static void write(List<Run> runs, int rate, int before, int after, Path out) throws IOException {
    Files.createDirectories(out);
    int seconds = before + OUTAGE_SECONDS + after;
    int outFrom = before;
    int outTo = before + OUTAGE_SECONDS;
    Run none = runs.get(0);
    StringBuilder md = new StringBuilder("# Retry storm\n\n");
    md.append("Measured ").append(LocalDate.now()).append(" with `benchmarks/run.sh retry-storm")
        .append(rate == 200 && before == 10 && after == 20 ? "" : " --rate " + rate + " --before " + before + " --after " + after)
        .append("` on ").append(Runtime.getRuntime().availableProcessors())
        .append(" cores (a shared machine: compare ratios within this run).\n\n");
    md.append(String.format(Locale.ROOT,
        "%d replicas on 127.0.0.1 answer in %d±%d ms, and all answer 503 at once from %d s to %d s of each %d s run. "
            + "Open loop at %d req/s, deadline %d ms. Attempts are counted at the servers; requests and successes by the "
            + "second each request was due. Each strategy runs with a fresh client against the same servers.%n%n",
        REPLICAS, BASE_MICROS / 1000, JITTER_MICROS / 1000, outFrom, outTo, seconds, rate, DEADLINE.toMillis()));
    Table t = new Table("strategy", "amplification during outage", "vs no retries", "attempts/s during outage",
        "success before", "success during", "success after", "time to recover", "failures after the outage", "max hiccup");
    Table summary = new Table("strategy", "rate", "amplification_outage", "amplification_vs_none", "attempts_per_s_outage",
        "success_before_pct", "success_during_pct", "success_after_pct", "recovery_s", "failures_after", "mesh_retries",
        "budget_exhausted", "sent_per_s", "max_send_lag_ms", "max_hiccup_ms");
    for (Run r : runs) {
      double amp = r.amplification(outFrom, outTo);
      double attemptsPerSecond = (double) r.sum(r.attempts, outFrom, outTo) / OUTAGE_SECONDS;
      t.row(r.strategy.title, Table.num(amp, 2) + "×", Table.ratio(amp, none.amplification(outFrom, outTo)),
          Table.num(attemptsPerSecond, 0), Table.num(r.successPercent(0, outFrom), 2) + " %",
          Table.num(r.successPercent(outFrom, outTo), 2) + " %", Table.num(r.successPercent(outTo, seconds), 2) + " %",
          Double.isNaN(r.recoverySeconds) ? "> " + (seconds - outTo) + " s" : Table.num(r.recoverySeconds, 2) + " s",
          r.failuresAfter, Table.num(r.maxHiccupMs, 0) + " ms");
      summary.row(r.strategy.id, rate, Table.num(amp, 4), Table.num(amp / none.amplification(outFrom, outTo), 4),
          Table.num(attemptsPerSecond, 1), Table.num(r.successPercent(0, outFrom), 3), Table.num(r.successPercent(outFrom, outTo), 3),
          Table.num(r.successPercent(outTo, seconds), 3), Table.num(r.recoverySeconds, 2), r.failuresAfter, r.meshRetries,
          r.budgetExhausted, Table.num(r.sentPerSecond, 1), Table.num(r.maxLagMicros / 1000.0, 2), Table.num(r.maxHiccupMs, 1));
    }
    md.append(t.markdown()).append('\n');
    md.append("Failures by kind, and the mesh's own counts:\n\n");
    Table f = new Table("strategy", "failed requests", "retries (mesh)", "retries refused by the budget", "sent per s", "max send lag");
    for (Run r : runs) {
      boolean mesh = r.strategy != Strategy.NONE && r.strategy != Strategy.FIXED_3;
      f.row(r.strategy.id, r.failures.isEmpty() ? "none" : r.failures.toString().replaceAll("[{}]", ""),
          mesh ? r.meshRetries : "–", mesh ? r.budgetExhausted : "–", Table.num(r.sentPerSecond, 1),
          Table.num(r.maxLagMicros / 1000.0, 1) + " ms");
    }
    md.append(f.markdown()).append('\n');
    md.append(String.format(Locale.ROOT,
        "The budget's bound under total failure: each call deposits 0.2 retries and %d retries a second are always allowed "
            + "(10/s over the 10 s window, held as a reserve of 100), so at %d req/s retries are at most 0.2 × %d + 10 = %.0f/s, "
            + "amplification %.2f×, once the reserve and the deposits of the healthy seconds before the outage are spent.%n%n",
        10, rate, rate, 0.2 * rate + 10, 1 + 0.2 + 10.0 / rate));
    md.append("\"time to recover\": from the end of the outage to the first request that starts one second's worth of requests "
        + "of which at least 99 % succeeded. \"max hiccup\": the longest stall of the whole process in the run (a thread that "
        + "sleeps 1 ms and measures how late it wakes), the shared machine's noise.\n\n");
    md.append("![attempts per second](retry-storm.png)\n");
    Files.writeString(out.resolve("retry-storm.md"), md.toString(), StandardCharsets.UTF_8);
    Files.writeString(out.resolve("retry-storm-summary.csv"), summary.csv(), StandardCharsets.UTF_8);

    Table perSecond = new Table("strategy", "second", "requests", "attempts_at_servers", "successes");
    for (Run r : runs) {
      for (int s = 0; s < seconds; s++) perSecond.row(r.strategy.id, s, r.requests[s], r.attempts[s], r.successes[s]);
    }
    Files.writeString(out.resolve("retry-storm.csv"), perSecond.csv(), StandardCharsets.UTF_8);

    // Per-second counts drawn as steps: each value held over its second.
    double[] xs = stepTimes(seconds);
    Map<String, double[]> attemptSeries = new LinkedHashMap<>();
    Map<String, double[]> successSeries = new LinkedHashMap<>();
    double maxAttempts = 0;
    for (Run r : runs) {
      attemptSeries.put(r.strategy.id, steps(seconds, s -> r.attempts[s]));
      successSeries.put(r.strategy.id, steps(seconds, s -> r.requests[s] == 0 ? 0 : 100.0 * r.successes[s] / r.requests[s]));
      for (long a : r.attempts) maxAttempts = Math.max(maxAttempts, a);
    }
    attemptSeries.put("requests offered", steps(seconds, s -> none.requests[s]));
    double[] marks = {outFrom, outTo};
    String[] labels = {"outage", "recovery"};
    XYChart attemptsChart = Charts.overTime("Retry storm: attempts reaching the servers (" + rate + " req/s offered)",
        "attempts per second", xs, attemptSeries, marks, labels, maxAttempts * 1.05);
    attemptsChart.getStyler().setYAxisMin(0.0).setYAxisMax(maxAttempts * 1.15);
    attemptsChart.getSeriesMap().get("requests offered").setLineStyle(new java.awt.BasicStroke(1.5f,
        java.awt.BasicStroke.CAP_BUTT, java.awt.BasicStroke.JOIN_MITER, 10f, new float[] {3f, 3f}, 0f));
    attemptsChart.getSeriesMap().get("requests offered").setLineColor(java.awt.Color.GRAY);
    XYChart successChart = Charts.overTime("Requests answered 200 within the deadline", "success (% of requests due that second)",
        xs, successSeries, marks, labels, 50);
    successChart.getStyler().setYAxisMin(0.0).setYAxisMax(105.0);
    successChart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSW);
    Charts.png(List.of(attemptsChart, successChart), 2, out.resolve("retry-storm.png"));
    System.out.println("wrote " + out.resolve("retry-storm.md") + ", retry-storm.csv, retry-storm-summary.csv, retry-storm.png");
  }
}
