package io.meshwork.samples;

import com.sun.net.httpserver.HttpExchange;
import io.meshwork.admin.MeshAdmin;
import io.meshwork.core.Deadline;
import io.meshwork.core.EndpointStatus;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshContext;
import io.meshwork.core.MeshEventListener;
import io.meshwork.core.Outcome;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.registry.FileRegistry;
import io.meshwork.http.MeshHttp;
import io.meshwork.http.MeshHttpServer;
import io.meshwork.http.MeshIOException;
import io.meshwork.tls.DevCertificateAuthority;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.SpiffeId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.security.cert.X509Certificate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The quick start: three replicas of {@code greeter} (healthy, slow, flaky) and a {@code frontend}
 * that calls them through the mesh, then a table of what the mesh did per endpoint, then a canary
 * split, a header route, the access policy and a deadline through two hops. Everything runs in
 * this process on 127.0.0.1 with the file registry; every number printed is measured.
 *
 * <p>Arguments: the registry template ({@code samples/mesh.yaml}; its 1808x ports are replaced by
 * free ones in a temporary copy) and optionally {@code --duration 20s} for the load phase,
 * {@code --admin-port 9901} for the frontend's admin server (dashboard at {@code /admin}; a free
 * port when 9901 is taken) and {@code --keep-admin} to keep the dashboard up at the end until
 * Enter is pressed.
 */
public final class QuickStart {
  private static final String TEMPLATE_PORTS_PREFIX = "127.0.0.1:1808";
  private static final int THREADS = 4;
  private static final long PACE_NANOS = TimeUnit.MILLISECONDS.toNanos(20); // per thread: at most 50 calls/s

  /** The admin server's port when free (Envoy's and Finagle's habit); else any free port. */
  static final int ADMIN_PORT = 9901;

  private final Path template;
  private final Duration duration;
  private final PrintStream out;
  private final int adminPort;
  private final boolean keepAdmin;

  private QuickStart(Path template, Duration duration, PrintStream out, int adminPort, boolean keepAdmin) {
    this.template = template;
    this.duration = duration;
    this.out = out;
    this.adminPort = adminPort;
    this.keepAdmin = keepAdmin;
  }

  public static void main(String[] args) throws Exception {
    // The demo prints its own summary. The access log (one DEBUG line per request on the logger
    // meshwork.access) is off; run with -Dorg.slf4j.simpleLogger.log.meshwork.access=debug to see it.
    Path template = Path.of("samples/mesh.yaml");
    Duration duration = Duration.ofSeconds(20);
    int adminPort = ADMIN_PORT;
    boolean keepAdmin = false;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--duration") && i + 1 < args.length) {
        duration = parseDuration(args[++i]);
      } else if (args[i].startsWith("--duration=")) {
        duration = parseDuration(args[i].substring("--duration=".length()));
      } else if (args[i].equals("--admin-port") && i + 1 < args.length) {
        adminPort = Integer.parseInt(args[++i]);
      } else if (args[i].equals("--keep-admin")) {
        keepAdmin = true;
      } else if (args[i].startsWith("--")) {
        throw new IllegalArgumentException("unknown option " + args[i]
            + " (expected: [registry template] [--duration 20s] [--admin-port 9901] [--keep-admin])");
      } else {
        template = Path.of(args[i]);
      }
    }
    new QuickStart(template, duration, System.out, adminPort, keepAdmin).run();
    System.out.flush();
  }

  /** The frontend's admin server on {@link #adminPort}, or on any free port when it is taken. */
  private MeshAdmin startAdmin(Mesh frontend) {
    try {
      return MeshAdmin.start(frontend, adminPort);
    } catch (RuntimeException taken) {
      if (adminPort == 0) throw taken;
      out.printf("admin port %d is taken (%s); using a free one%n", adminPort, taken.getMessage());
      return MeshAdmin.start(frontend, 0);
    }
  }

  static Duration parseDuration(String s) {
    String v = s.trim().toLowerCase(Locale.ROOT);
    if (v.endsWith("ms")) return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
    if (v.endsWith("s")) return Duration.ofMillis((long) (Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
    return Duration.ofSeconds(Long.parseLong(v));
  }

  /** Per endpoint, as the frontend's mesh client saw its attempts. */
  private static final class EndpointStats {
    final AtomicLong attempts = new AtomicLong();
    final AtomicLong successes = new AtomicLong();
    final List<Long> latencies = new ArrayList<>();

    synchronized void record(Outcome outcome, long nanos) {
      attempts.incrementAndGet();
      if (outcome.isSuccess()) successes.incrementAndGet();
      latencies.add(nanos);
    }

    synchronized double percentileMillis(double p) {
      if (latencies.isEmpty()) return Double.NaN;
      List<Long> sorted = new ArrayList<>(latencies);
      sorted.sort(Comparator.naturalOrder());
      int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
      return sorted.get(Math.max(0, Math.min(i, sorted.size() - 1))) / 1e6;
    }
  }

  private final Map<String, EndpointStats> stats = new ConcurrentHashMap<>();
  private final AtomicBoolean recording = new AtomicBoolean();
  private final AtomicLong retriesSeen = new AtomicLong();
  // Per replica (from the response body): the server identity the client verified in the TLS
  // handshake (the response's peer certificate), and the caller identity the server verified.
  private final Map<String, Set<String>> serverIds = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> callerIds = new ConcurrentHashMap<>();
  private final AtomicLong budgetRefusals = new AtomicLong();
  private final AtomicLong ejectionEvents = new AtomicLong();

  private final MeshEventListener listener = new MeshEventListener() {
    @Override
    public void onAttemptCompleted(String service, Endpoint endpoint, int attempt, Outcome outcome, long latencyNanos) {
      if (recording.get() && service.equals("greeter")) {
        stats.computeIfAbsent(endpoint.address().toString(), k -> new EndpointStats()).record(outcome, latencyNanos);
      }
    }

    @Override
    public void onRetry(String service, int nextAttempt, long backoffNanos, Outcome lastOutcome) {
      if (recording.get() && service.equals("greeter")) retriesSeen.incrementAndGet();
    }

    @Override
    public void onRetryBudgetExhausted(String service, Outcome lastOutcome) {
      if (recording.get() && service.equals("greeter")) budgetRefusals.incrementAndGet();
    }

    @Override
    public void onEjected(String service, Endpoint endpoint, long durationNanos, int ejectionsInRow) {
      if (recording.get() && service.equals("greeter")) ejectionEvents.incrementAndGet();
    }
  };

  // What the deadline demo's servers saw, in milliseconds left (-1: no request).
  private final AtomicLong greeterSawMillis = new AtomicLong(-1);
  private final AtomicLong greeterBackendCallMillis = new AtomicLong(-1);
  private final AtomicLong backendSawMillis = new AtomicLong(-1);
  private volatile String greeterBackendError = "";

  private void run() throws Exception {
    long started = System.nanoTime();
    String templateText = Files.readString(template);
    Path dir = Files.createTempDirectory("meshwork-quickstart-");
    List<AutoCloseable> closeLast = new ArrayList<>(); // closed in reverse order
    try {
      int[] ports = freePorts(4);
      String registryText = templateText;
      for (int i = 0; i < ports.length; i++) {
        registryText = registryText.replace(TEMPLATE_PORTS_PREFIX + (i + 1), "127.0.0.1:" + ports[i]);
      }
      Path registryFile = dir.resolve("mesh.yaml");
      // Phase 1 measures the replicas without the weighted split (it would send 90 % to v1).
      Files.writeString(registryFile, withoutSplit(registryText));

      FileRegistry registry = FileRegistry.builder(registryFile).pollInterval(Duration.ofMillis(100)).build();
      closeLast.add(registry);
      // The development CA, in a folder beside the runtime registry: created now, gone at the end.
      // Each mesh owns its identity: spiffe://<trust domain>/service/<its name>, from the CA.
      Path caFolder = DevCertificateAuthority.folderBeside(registryFile);
      MeterRegistry frontendMeters = new SimpleMeterRegistry();
      Mesh frontend = Mesh.builder().serviceName("frontend").zone("a").registry(registry)
          .meterRegistry(frontendMeters).addListener(listener).identity(MeshTls.developmentCa(caFolder)).build();
      closeLast.add(frontend);
      MeshAdmin admin = startAdmin(frontend);
      closeLast.add(admin);
      Mesh greeter = workload("greeter", registry, caFolder, closeLast);
      Mesh backend = workload("backend", registry, caFolder, closeLast);
      Mesh intruder = workload("intruder", registry, caFolder, closeLast);

      OkHttpClient greeterClient = MeshHttp.client(greeter); // greeter's own calls, to backend
      closeLast.add(() -> shutdown(greeterClient));

      String[] replicas = {"healthy", "slow", "flaky"};
      String[] versions = {"v2", "v1", "v1"};
      for (int i = 0; i < 3; i++) {
        closeLast.add(greeterServer(greeter, greeterClient, ports[i], replicas[i], versions[i]));
      }
      closeLast.add(MeshHttp.server(backend).bind("127.0.0.1", ports[3])
          .handler("/work", this::backendWork).start());

      OkHttpClient client = MeshHttp.client(frontend);
      closeLast.add(() -> shutdown(client));
      OkHttpClient intruderClient = MeshHttp.client(intruder);
      closeLast.add(() -> shutdown(intruderClient));

      String tlsMode = registry.document().mesh().tls().documentName();
      out.printf("Meshwork quick start: registry %s (from %s), trust domain %s, tls %s%n",
          registryFile, template, registry.document().mesh().trustDomain(), tlsMode);
      out.printf("development CA: %s; workload certificates for frontend, greeter, backend, intruder%n", caFolder);
      out.printf("greeter replicas on 127.0.0.1: %d healthy (~5 ms), %d slow (~80 ms), %d flaky (503 on ~30 %%); backend %d%n",
          ports[0], ports[1], ports[2], ports[3]);
      out.printf("dashboard: %sadmin  (the frontend's mesh, live while the demo runs%s)%n%n", admin.uri(),
          keepAdmin ? "; it stays up at the end until you press Enter" : "; --keep-admin keeps it up at the end");

      long calls = load(client, frontendMeters);
      table(frontend, frontendMeters, calls, ports, replicas, versions, tlsMode);

      // Phase 3: turn the canary split on by editing the registry; the mesh picks it up live.
      Files.writeString(registryFile, registryText);
      long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (frontend.destination("greeter").snapshot().config().client().routes().size() < 2) {
        if (System.nanoTime() > waitUntil) throw new IllegalStateException("the registry change was not picked up");
        Thread.sleep(20);
      }
      out.println();
      canarySplit(client);
      headerRoute(client);
      accessPolicy(registry, tlsMode, intruderClient);
      deadline(client, frontend);
      if (keepAdmin) {
        out.printf("%ndashboard still up at %sadmin; press Enter to stop%n", admin.uri());
        out.flush();
        System.in.read();
      }
    } finally {
      for (int i = closeLast.size() - 1; i >= 0; i--) {
        try {
          closeLast.get(i).close();
        } catch (Exception e) {
          out.println("close: " + e);
        }
      }
      deleteRecursively(dir);
    }
    out.printf("%nDone in %.1f s; servers, meshes and the registry are closed, %s removed.%n",
        (System.nanoTime() - started) / 1e9, dir);
  }

  /** A mesh for {@code service} that owns its identity, from the development CA in {@code caFolder}. */
  private static Mesh workload(String service, FileRegistry registry, Path caFolder, List<AutoCloseable> closeLast) {
    Mesh mesh = Mesh.builder().serviceName(service).zone("a").registry(registry)
        .meterRegistry(new SimpleMeterRegistry()).identity(MeshTls.developmentCa(caFolder)).build();
    closeLast.add(mesh);
    return mesh;
  }

  private MeshHttpServer greeterServer(Mesh mesh, OkHttpClient client, int port, String replica,
      String version) throws IOException {
    return MeshHttp.server(mesh).bind("127.0.0.1", port)
        .handler("/hello", exchange -> {
          try {
            if (replica.equals("slow")) {
              Thread.sleep(80);
            } else {
              Thread.sleep(5);
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          if (replica.equals("flaky") && ThreadLocalRandom.current().nextInt(100) < 30) {
            respond(exchange, 503, "greeter " + replica + ": unavailable (simulated)");
            return;
          }
          String caller = MeshContext.callerIdentity(Context.current());
          respond(exchange, 200, "hello from greeter replica=" + replica + " version=" + version
              + " caller=" + (caller == null ? "none" : caller));
        })
        .handler("/chain", exchange -> {
          // Second hop: the handler's mesh call inherits the caller's remaining deadline.
          Deadline d = MeshContext.currentDeadline();
          greeterSawMillis.set(d == null ? -1 : d.remainingMillis(mesh.ticker()));
          long t0 = System.nanoTime();
          try (Response r = client.newCall(new Request.Builder().url("http://backend/work").build()).execute()) {
            respond(exchange, r.code(), "greeter: backend said " + r.code());
          } catch (IOException e) {
            greeterBackendCallMillis.set((System.nanoTime() - t0) / 1_000_000);
            greeterBackendError = e instanceof MeshIOException m ? m.reason().getClass().getSimpleName() : e.toString();
            try {
              respond(exchange, 504, "greeter: backend call failed: " + e.getMessage());
            } catch (IOException ignored) {
              // the frontend has given up already
            }
          }
        })
        .start();
  }

  private void backendWork(HttpExchange exchange) throws IOException {
    Deadline d = MeshContext.currentDeadline();
    backendSawMillis.set(d == null ? -1 : d.remainingMillis(io.meshwork.core.Ticker.system()));
    try {
      Thread.sleep(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    respond(exchange, 200, "backend: done");
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("content-type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  /** Phase 1: THREADS callers, each at most one call per PACE_NANOS, for the duration. */
  private double retriesBefore;
  private double exhaustedBefore;

  private long load(OkHttpClient client, MeterRegistry meters) throws Exception {
    // Warm-up, not counted: the first calls pay for TLS handshakes, class loading and the JIT.
    long w0 = System.nanoTime();
    Map<String, Long> warm = callVersions(client, 40, false);
    long warmOk = warm.entrySet().stream().filter(e -> !e.getKey().startsWith("failed")).mapToLong(Map.Entry::getValue).sum();
    String warmFailed = describe(warm, 40).replaceFirst("^[^;]*;?", "").trim();
    out.printf("warm-up, not counted: 40 calls in %d ms (first TLS handshakes, JIT): %d ok%s%n",
        (System.nanoTime() - w0) / 1_000_000, warmOk, warmFailed.isEmpty() ? "" : "; " + warmFailed);
    retriesBefore = sum(meters, "mesh.client.retries");
    exhaustedBefore = sum(meters, "mesh.client.retry.budget.exhausted");
    recording.set(true);
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    AtomicLong done = new AtomicLong();
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      futures.add(pool.submit(() -> {
        long next = System.nanoTime();
        while (next < end) {
          try (Response r = client.newCall(new Request.Builder().url("http://greeter/hello").build()).execute()) {
            String body = r.body().string();
            (r.isSuccessful() ? ok : failed).incrementAndGet();
            if (r.isSuccessful()) recordIdentities(r, body);
          } catch (IOException e) {
            failed.incrementAndGet();
          }
          done.incrementAndGet();
          next = Math.max(next + PACE_NANOS, System.nanoTime() - PACE_NANOS);
          long sleep = next - System.nanoTime();
          if (sleep > 0) TimeUnit.NANOSECONDS.sleep(sleep);
        }
        return null;
      }));
    }
    int width = 30;
    while (true) {
      boolean finished = futures.stream().allMatch(Future::isDone);
      double f = Math.min(1.0, (System.nanoTime() - start) / (double) duration.toNanos());
      int filled = (int) Math.round(f * width);
      out.printf("\rfrontend -> http://greeter/hello  [%s%s] %3.0f%%  %5d calls  %5d ok  %3d failed ",
          "#".repeat(filled), ".".repeat(width - filled), f * 100, done.get(), ok.get(), failed.get());
      out.flush();
      if (finished) break;
      Thread.sleep(250);
    }
    for (Future<?> fu : futures) fu.get();
    pool.shutdown();
    recording.set(false);
    out.printf("%n%n%d calls in %.1f s from %d threads: %d succeeded, %d failed after the mesh's retries%n%n",
        done.get(), (System.nanoTime() - start) / 1e9, THREADS, ok.get(), failed.get());
    return done.get();
  }

  private void recordIdentities(Response r, String body) {
    String replica = field(body, "replica");
    String server = "none (plaintext)";
    if (r.handshake() != null && !r.handshake().peerCertificates().isEmpty()
        && r.handshake().peerCertificates().get(0) instanceof X509Certificate leaf) {
      server = MeshTls.identityOf(leaf).map(SpiffeId::toString).orElse("no SPIFFE ID");
    }
    serverIds.computeIfAbsent(replica, k -> ConcurrentHashMap.newKeySet()).add(server);
    callerIds.computeIfAbsent(replica, k -> ConcurrentHashMap.newKeySet()).add(field(body, "caller"));
  }

  private static String field(String body, String name) {
    int at = body.indexOf(name + "=");
    if (at < 0) return "?";
    int from = at + name.length() + 1;
    int end = body.indexOf(' ', from);
    return body.substring(from, end < 0 ? body.length() : end);
  }

  private void table(Mesh frontend, MeterRegistry meters, long calls, int[] ports, String[] replicas,
      String[] versions, String tlsMode) {
    List<EndpointStatus> endpoints = frontend.destination("greeter").endpoints();
    long totalAttempts = stats.values().stream().mapToLong(s -> s.attempts.get()).sum();
    out.println("greeter endpoints as the frontend's mesh client saw them (attempts, retries included):");
    String header = String.format("  %-17s %-8s %-7s %7s %9s %8s %8s %8s %9s  %s", "endpoint", "replica",
        "version", "share", "success", "p50 ms", "p99 ms", "ejected", "ejections", "server identity verified by the client");
    out.println(header);
    out.println("  " + "-".repeat(header.length() - 2 + 6));
    for (EndpointStatus e : endpoints) {
      String address = e.endpoint().address().toString();
      EndpointStats s = stats.getOrDefault(address, new EndpointStats());
      String replica = e.endpoint().labels().getOrDefault("replica", "?");
      long a = s.attempts.get();
      out.printf("  %-17s %-8s %-7s %6.1f%% %8.1f%% %8.1f %8.1f %8s %9d  %s%n", address, replica,
          e.endpoint().labels().getOrDefault("version", "-"),
          totalAttempts == 0 ? 0.0 : 100.0 * a / totalAttempts,
          a == 0 ? 0.0 : 100.0 * s.successes.get() / a,
          s.percentileMillis(50), s.percentileMillis(99), e.ejected() ? "now" : "no", e.ejections(),
          String.join(",", serverIds.getOrDefault(replica, Set.of("-"))));
    }
    double retries = sum(meters, "mesh.client.retries") - retriesBefore;
    double exhausted = sum(meters, "mesh.client.retry.budget.exhausted") - exhaustedBefore;
    out.printf("%nretries: %.0f (meter mesh.client.retries over the run; the listener saw %d) = %.1f %% of %d calls;"
            + " the budget allows 20 %% of calls + 10/s, and none while calls keep failing despite retries;"
            + " refused by the budget: %.0f (mesh.client.retry.budget.exhausted)%n",
        retries, retriesSeen.get(), calls == 0 ? 0.0 : 100.0 * retries / calls, calls, exhausted);
    out.printf("ejections during the run: %d (outlier detection: 5 failures in a row, 5 s base, at most 50 %% ejected)%n",
        ejectionEvents.get());
    out.printf("identities: the server identity is the SPIFFE ID in the certificate of each response's TLS handshake"
        + " (the client accepts only greeter's); the replicas report the caller they verified: %s%n", callerIds);
  }

  private static double sum(MeterRegistry meters, String name) {
    return meters.find(name).tag("service", "greeter").counters().stream().mapToDouble(Counter::count).sum();
  }

  private void canarySplit(OkHttpClient client) throws Exception {
    Map<String, Long> versions = callVersions(client, 200, false);
    out.printf("canary split (route 'split', added to the registry live: v1 90, v2 10): 200 calls -> %s%n",
        describe(versions, 200));
  }

  private void headerRoute(OkHttpClient client) throws Exception {
    Map<String, Long> versions = callVersions(client, 50, true);
    out.printf("header route (x-canary: true -> version v2): 50 calls -> %s%n", describe(versions, 50));
  }

  /** "v1 180 (90.0 %), v2 20 (10.0 %)", then failures, if any, with their reasons. */
  private static String describe(Map<String, Long> results, int n) {
    StringBuilder b = new StringBuilder();
    long failed = 0;
    List<String> reasons = new ArrayList<>();
    for (Map.Entry<String, Long> e : results.entrySet()) {
      if (e.getKey().startsWith("failed")) {
        failed += e.getValue();
        reasons.add(e.getValue() + "x " + e.getKey().substring("failed ".length()));
        continue;
      }
      b.append(b.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue())
          .append(String.format(Locale.ROOT, " (%.1f %%)", 100.0 * e.getValue() / n));
    }
    if (failed > 0) b.append("; failed ").append(failed).append(": ").append(String.join(", ", reasons));
    return b.toString();
  }

  private Map<String, Long> callVersions(OkHttpClient client, int n, boolean canaryHeader) throws Exception {
    Map<String, Long> versions = new TreeMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        results.add(pool.submit(() -> {
          Request.Builder rb = new Request.Builder().url("http://greeter/hello");
          if (canaryHeader) rb.header("x-canary", "true");
          try (Response r = client.newCall(rb.build()).execute()) {
            String body = r.body().string();
            if (!r.isSuccessful()) return "failed (HTTP " + r.code() + ": " + body.trim() + ")";
            return field(body, "version");
          } catch (IOException e) {
            return "failed (" + e + ")";
          }
        }));
      }
      for (Future<String> f : results) versions.merge(f.get(), 1L, Long::sum);
    } finally {
      pool.shutdown();
    }
    return versions;
  }

  private void accessPolicy(FileRegistry registry, String tlsMode, OkHttpClient intruderClient) {
    List<String> allow = registry.document().services().get("greeter").server().allow();
    String result;
    try (Response r = intruderClient.newCall(new Request.Builder().url("http://greeter/hello").build()).execute()) {
      result = "HTTP " + r.code() + " \"" + r.body().string().trim() + "\"";
    } catch (IOException e) {
      result = e.toString();
    }
    out.printf("access policy (greeter allows %s, tls %s): intruder -> http://greeter/hello: %s%n", allow, tlsMode, result);
  }

  private void deadline(OkHttpClient client, Mesh frontend) {
    Context ctx = MeshContext.withDeadline(Context.current(), Deadline.after(Duration.ofMillis(300), frontend.ticker()));
    long t0 = System.nanoTime();
    String result;
    try (Scope ignored = ctx.makeCurrent();
        Response r = client.newCall(new Request.Builder().url("http://greeter/chain").build()).execute()) {
      result = "HTTP " + r.code() + " " + r.body().string();
    } catch (MeshIOException e) {
      result = e.reason().getClass().getSimpleName() + ": " + e.getMessage();
    } catch (IOException e) {
      result = e.toString();
    }
    long frontendMillis = (System.nanoTime() - t0) / 1_000_000;
    // The servers record what they saw on their own threads; give the second hop a moment to end.
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (greeterSawMillis.get() >= 0 && greeterBackendCallMillis.get() < 0 && System.nanoTime() < until) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    out.printf("deadline through two hops (frontend 300 ms -> greeter /chain -> backend, which sleeps 2 s):%n");
    out.printf("  frontend failed after %d ms: %s%n", frontendMillis, result);
    if (greeterSawMillis.get() < 0) {
      out.println("  greeter never got the request: the deadline passed before it arrived (a loaded machine)");
    } else if (greeterBackendCallMillis.get() < 0) {
      out.printf("  greeter saw %d ms left; its call to backend had not ended 2 s later%n", greeterSawMillis.get());
    } else {
      out.printf("  greeter saw %d ms left; its call to backend failed after %d ms (%s)%n", greeterSawMillis.get(),
          greeterBackendCallMillis.get(), greeterBackendError);
    }
    if (backendSawMillis.get() < 0) {
      out.println("  backend never got the request");
    } else {
      out.printf("  backend saw %d ms left (mesh-timeout-ms), not its own 2 s%n", backendSawMillis.get());
    }
  }

  private static String withoutSplit(String registry) {
    StringBuilder b = new StringBuilder();
    boolean skipping = false;
    for (String line : registry.split("\n", -1)) {
      String t = line.trim();
      if (t.startsWith("- name: split")) {
        skipping = true;
        continue;
      }
      if (skipping && (t.startsWith("split:") || t.startsWith("to:") || t.startsWith("match:"))) continue;
      skipping = false;
      b.append(line).append('\n');
    }
    return b.substring(0, b.length() - 1);
  }

  private static int[] freePorts(int n) throws IOException {
    int[] ports = new int[n];
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        held.add(s);
        ports[i] = s.getLocalPort();
      }
    } finally {
      for (ServerSocket s : held) s.close();
    }
    return ports;
  }

  private static void shutdown(OkHttpClient client) {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}
