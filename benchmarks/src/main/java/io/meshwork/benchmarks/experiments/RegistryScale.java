package io.meshwork.benchmarks.experiments;

import io.meshwork.core.Destination;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshEventListener;
import io.meshwork.core.registry.FileRegistry;
import io.meshwork.core.registry.Registry;
import io.meshwork.core.registry.ServiceSnapshot;
import io.meshwork.zookeeper.ZooKeeperRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Collectors;
import javax.management.ObjectName;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * The registries at scale (issue 16): how fast a published change reaches N watching meshes, and
 * how much heap a mesh watching many services holds, ZooKeeper against the file registry in the
 * same run.
 *
 * <ul>
 *   <li><b>Propagation</b>: one ZooKeeper server (curator-test's {@link TestingServer}, in this
 *       JVM, clients on 127.0.0.1) and N {@link ZooKeeperRegistry} instances, each with its own
 *       session and its own {@link Mesh} holding a destination for one service, as N processes
 *       would. An operator session publishes a changed document ({@code setData} with a version
 *       check, as meshctl does); the time is from just before the write to the moment the last of
 *       the N meshes applied the new snapshot ({@link MeshEventListener#onSnapshotApplied}). The
 *       same with N {@link FileRegistry} instances over one file (default poll, 250 ms), written
 *       by an atomic rename.
 *   <li><b>Memory</b>: used heap after repeated full collections, before and after a registry
 *       and a mesh with a destination for every service exist (S services × 10 endpoints), the
 *       ZooKeeper server already running (its znodes are in the "before" figure): ZooKeeper with
 *       the endpoints in the document, ZooKeeper with the endpoints as registrations (ephemeral
 *       znodes of an operator session), and the file registry over the same document.
 * </ul>
 *
 * <p>Options: {@code --short} (N = 10 only, 5 publishes, 100 services), {@code --rounds N}
 * (publishes per measurement, default 20), {@code --meshes N} (largest N, default 100),
 * {@code --services N} (largest S, default 1000), {@code --out DIR}. Results:
 * {@code registry-scale.md} and {@code registry-scale.csv} under
 * {@code benchmarks/results/experiments/}.
 */
public final class RegistryScale {
  private static final String SERVICE = "greeter";
  private static final int ENDPOINTS = 10;
  private static final Duration FILE_POLL = Duration.ofMillis(250); // FileRegistry's default
  private static final long ROUND_TIMEOUT_SECONDS = 30;

  private RegistryScale() {}

  public static void main(String[] args) throws Exception {
    Quiet.logs();
    // A line per reload of each of 100 registries would drown the results.
    System.setProperty("org.slf4j.simpleLogger.log.io.meshwork", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.zookeeper", "error");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.curator", "error");
    int status = 0;
    try {
      Options o = Options.parse("registry-scale", args, Set.of("rounds", "meshes", "services", "out"));
      int rounds = o.integer("rounds", o.quick() ? 5 : 20, 1, 1000);
      int maxMeshes = o.integer("meshes", o.quick() ? 10 : 100, 1, 500);
      int maxServices = o.integer("services", o.quick() ? 100 : 1000, 1, 2500);
      Path out = o.path("out", Path.of("benchmarks/results/experiments"));
      run(rounds, maxMeshes, maxServices, o.quick(), out);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      status = 2;
    } catch (Throwable t) {
      t.printStackTrace();
      status = 1;
    }
    System.exit(status);
  }

  record Propagation(String registry, int meshes, long[] lastNanos, long[] eachNanos) {}

  /** {@code withMesh}: a registry and a mesh with a destination per service; otherwise the registry alone, one watch per service. */
  record Memory(String registry, int services, boolean withMesh, long bytes, List<String> topClasses) {}

  static void run(int rounds, int maxMeshes, int maxServices, boolean quick, Path out) throws Exception {
    Set<String> threadsBefore = liveThreads();
    double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    List<Propagation> propagation = new ArrayList<>();
    List<Memory> memory = new ArrayList<>();
    Path dir = Files.createTempDirectory("meshwork-registry-scale");
    // ZooKeeper allows 60 connections per client address by default; these are up to 500 processes.
    InstanceSpec spec = new InstanceSpec(null, -1, -1, -1, true, -1, -1, maxMeshes + 20);
    try (TestingServer server = new TestingServer(spec, true)) {
      String hosts = "127.0.0.1:" + server.getPort();
      System.out.printf("registry scale: ZooKeeper %s in this JVM; %d publishes per measurement; file poll %d ms%n",
          hosts, rounds, FILE_POLL.toMillis());
      int[] sizes = maxMeshes >= 100 ? new int[] {10, maxMeshes} : new int[] {maxMeshes};
      for (int n : sizes) {
        propagation.add(propagateZooKeeper(hosts, "/scale/propagation-" + n, n, rounds));
        print(propagation.get(propagation.size() - 1));
        propagation.add(propagateFile(dir.resolve("propagation-" + n), n, rounds));
        print(propagation.get(propagation.size() - 1));
      }
      int[] services = maxServices >= 1000 ? new int[] {100, maxServices} : new int[] {maxServices};
      for (int s : services) {
        String doc = document(s);
        Path file = dir.resolve("memory-" + s + "/mesh.yaml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, doc);
        String docRoot = "/scale/memory-document-" + s;
        String regRoot = "/scale/memory-registrations-" + s;
        try (Operator op = new Operator(hosts)) {
          op.publish(docRoot, doc);
          op.register(regRoot, s);
          for (int rep = 0; rep < (quick ? 1 : 2); rep++) {
            for (boolean withMesh : new boolean[] {true, false}) {
              memory.add(measure("file", s, withMesh, () -> FileRegistry.builder(file).build()));
              memory.add(measure("zookeeper, document", s, withMesh, () -> zkRegistry(hosts + docRoot, "memory")));
              memory.add(measure("zookeeper, registrations", s, withMesh, () -> zkRegistry(hosts + regRoot, "memory")));
            }
          }
        }
      }
    } finally {
      deleteTree(dir);
    }
    double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    List<String> leftover = leftoverThreads(threadsBefore);
    System.out.println(leftover.isEmpty() ? "no thread left behind" : "threads left behind: " + leftover);
    Results.write(out, rounds, propagation, memory, loadBefore, loadAfter, leftover);
  }

  // ---------------------------------------------------------------------------------------------
  // Propagation

  /** One watcher: a registry and a mesh, and the arrival times of the current round. */
  private record Watcher(Registry registry, Mesh mesh, Destination destination) {}

  /** What every watcher's listener compares with: the round's port and where arrivals go. */
  private static final class Round {
    volatile int port = -1;
    volatile AtomicLongArray arrivals = new AtomicLongArray(0);
    volatile CountDownLatch latch = new CountDownLatch(0);

    void start(int port, int watchers) {
      this.arrivals = new AtomicLongArray(watchers);
      this.latch = new CountDownLatch(watchers);
      this.port = port;
    }

    MeshEventListener listener(int index) {
      return new MeshEventListener() {
        @Override
        public void onSnapshotApplied(String service, ServiceSnapshot snapshot) {
          long now = System.nanoTime();
          if (!SERVICE.equals(service) || snapshot.config().endpoints().isEmpty()) return;
          if (snapshot.config().endpoints().get(0).address().port() != port) return;
          if (arrivals.compareAndSet(index, 0, now)) latch.countDown();
        }
      };
    }
  }

  interface Publisher {
    void publish(String document) throws Exception;
  }

  interface WatcherFactory {
    Registry registry(int index) throws Exception;
  }

  private static Propagation propagateZooKeeper(String hosts, String root, int n, int rounds) throws Exception {
    try (Operator op = new Operator(hosts)) {
      op.publish(root, propagationDocument(0));
      return propagate("zookeeper", n, rounds, i -> zkRegistry(hosts + root, "watcher-" + i),
          doc -> op.publish(root, doc));
    }
  }

  private static Propagation propagateFile(Path folder, int n, int rounds) throws Exception {
    Files.createDirectories(folder);
    Path file = folder.resolve("mesh.yaml");
    Path tmp = folder.resolve("mesh.yaml.next");
    Publisher publisher = doc -> {
      Files.writeString(tmp, doc);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    };
    publisher.publish(propagationDocument(0));
    return propagate("file", n, rounds, i -> FileRegistry.builder(file).pollInterval(FILE_POLL).build(), publisher);
  }

  private static Propagation propagate(String name, int n, int rounds, WatcherFactory factory, Publisher publisher)
      throws Exception {
    Round round = new Round();
    List<Watcher> watchers = new ArrayList<>();
    try {
      // Start the registries in parallel, as N processes would start.
      ExecutorService starters = Executors.newFixedThreadPool(8);
      List<Future<Registry>> starting = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int index = i;
        // Processes start at unrelated times: a random delay within one poll period spreads the
        // file registries' poll phases instead of aligning them all.
        long delay = new Random(index).nextInt((int) FILE_POLL.toMillis());
        starting.add(starters.submit(() -> {
          Thread.sleep(delay);
          return factory.registry(index);
        }));
      }
      starters.shutdown();
      List<Registry> registries = new ArrayList<>();
      Exception failed = null;
      for (Future<Registry> f : starting) {
        try {
          registries.add(f.get(120, TimeUnit.SECONDS));
        } catch (Exception e) {
          if (failed == null) failed = e;
        }
      }
      for (int i = 0; i < registries.size(); i++) {
        Mesh mesh = Mesh.builder().serviceName("client-" + i).registry(registries.get(i))
            .meterRegistry(new SimpleMeterRegistry()).addListener(round.listener(i)).build();
        watchers.add(new Watcher(registries.get(i), mesh, mesh.destination(SERVICE)));
      }
      if (failed != null) throw failed;

      Random random = new Random(16);
      int warmup = 3;
      long[] last = new long[rounds];
      long[] each = new long[rounds * n];
      for (int r = 1; r <= warmup + rounds; r++) {
        // A random pause first, so that publishes fall anywhere in the file registry's poll period.
        Thread.sleep(50 + random.nextInt((int) FILE_POLL.toMillis()));
        int port = 20_000 + r;
        round.start(port, n);
        long start = System.nanoTime();
        publisher.publish(propagationDocument(r));
        if (!round.latch.await(ROUND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
          throw new IllegalStateException(name + ", " + n + " meshes: " + round.latch.getCount()
              + " had not applied publish " + r + " after " + ROUND_TIMEOUT_SECONDS + " s");
        }
        if (r <= warmup) continue;
        int k = r - warmup - 1;
        long max = 0;
        for (int i = 0; i < n; i++) {
          long d = round.arrivals.get(i) - start;
          each[k * n + i] = d;
          max = Math.max(max, d);
        }
        last[k] = max;
        for (Watcher w : watchers) {
          if (w.destination().snapshot().config().endpoints().get(0).address().port() != port) {
            throw new IllegalStateException(name + ": a destination does not hold the applied snapshot");
          }
        }
      }
      return new Propagation(name, n, last, each);
    } finally {
      closeAll(watchers);
    }
  }

  /** Closes the meshes, then the registries in parallel (100 sessions one by one take a while). */
  private static void closeAll(List<Watcher> watchers) throws InterruptedException {
    for (Watcher w : watchers) w.mesh().close();
    ExecutorService closers = Executors.newFixedThreadPool(8);
    for (Watcher w : watchers) closers.execute(w.registry()::close);
    closers.shutdown();
    if (!closers.awaitTermination(120, TimeUnit.SECONDS)) throw new IllegalStateException("registries did not close in 120 s");
  }

  /** The propagation document: the watched service's first endpoint port says which publish it is. */
  private static String propagationDocument(int round) {
    StringBuilder b = new StringBuilder("services:\n  ").append(SERVICE).append(":\n    endpoints:\n");
    for (int e = 0; e < ENDPOINTS; e++) {
      b.append("      - { address: 127.0.0.1:").append(e == 0 ? 20_000 + round : 30_000 + e).append(" }\n");
    }
    return b.toString();
  }

  private static void print(Propagation p) {
    System.out.printf(Locale.ROOT, "  %-9s %3d meshes: last mesh median %s ms, max %s ms; each mesh median %s ms, p99 %s ms%n",
        p.registry(), p.meshes(), ms(percentile(p.lastNanos(), 50)), ms(percentile(p.lastNanos(), 100)),
        ms(percentile(p.eachNanos(), 50)), ms(percentile(p.eachNanos(), 99)));
  }

  // ---------------------------------------------------------------------------------------------
  // Memory

  interface RegistryFactory {
    Registry build() throws Exception;
  }

  private static Memory measure(String name, int services, boolean withMesh, RegistryFactory factory) throws Exception {
    Map<String, long[]> before = histogram();
    long usedBefore = usedHeap();
    Registry registry = factory.build();
    Mesh mesh = withMesh
        ? Mesh.builder().serviceName("client").registry(registry).meterRegistry(new SimpleMeterRegistry()).build()
        : null;
    List<AutoCloseable> watches = new ArrayList<>();
    try {
      for (int s = 0; s < services; s++) {
        ServiceSnapshot snapshot;
        if (mesh != null) {
          snapshot = mesh.destination(serviceName(s)).snapshot();
        } else {
          ServiceSnapshot[] seen = new ServiceSnapshot[1];
          watches.add(registry.watch(serviceName(s), x -> seen[0] = x));
          snapshot = seen[0];
        }
        int endpoints = snapshot == null ? 0 : snapshot.config().endpoints().size();
        if (endpoints != ENDPOINTS) {
          throw new IllegalStateException(name + ": " + serviceName(s) + " has " + endpoints + " endpoints (expected: " + ENDPOINTS + ")");
        }
      }
      long usedAfter = usedHeap();
      Map<String, long[]> after = histogram();
      Memory m = new Memory(name, services, withMesh, usedAfter - usedBefore, top(before, after, 8));
      System.out.printf(Locale.ROOT, "  %-25s %-14s %5d services × %d endpoints: %s MB%n", name,
          withMesh ? "with mesh" : "registry alone", services, ENDPOINTS, Table.num(m.bytes() / 1e6, 2));
      return m;
    } finally {
      for (AutoCloseable w : watches) w.close();
      if (mesh != null) mesh.close();
      registry.close();
    }
  }

  /** Used heap after full collections, once it stops falling. */
  private static long usedHeap() throws InterruptedException {
    long last = Long.MAX_VALUE;
    for (int i = 0; i < 10; i++) {
      System.gc();
      Thread.sleep(50);
      long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      if (used >= last - 16 * 1024) return Math.min(used, last);
      last = used;
    }
    return last;
  }

  /** The live heap by class (after a full collection): instances and bytes, from the JVM's own histogram. */
  private static Map<String, long[]> histogram() throws Exception {
    String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
        new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
        new Object[] {null}, new String[] {String[].class.getName()});
    Map<String, long[]> byClass = new HashMap<>();
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 4 || !f[0].endsWith(":")) continue;
      byClass.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
    }
    return byClass;
  }

  private static List<String> top(Map<String, long[]> before, Map<String, long[]> after, int count) {
    return after.entrySet().stream()
        .map(e -> {
          long[] b = before.getOrDefault(e.getKey(), new long[2]);
          return Map.entry(e.getKey(), new long[] {e.getValue()[0] - b[0], e.getValue()[1] - b[1]});
        })
        .sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[1]).reversed())
        .limit(count)
        .map(e -> String.format(Locale.ROOT, "%s %s KB (%d)", e.getKey(), Table.num(e.getValue()[1] / 1024.0, 0), e.getValue()[0]))
        .collect(Collectors.toList());
  }

  private static String serviceName(int s) {
    return String.format(Locale.ROOT, "service-%04d", s);
  }

  /** S services of 10 endpoints each, in the file registry's schema. */
  private static String document(int services) {
    StringBuilder b = new StringBuilder("services:\n");
    for (int s = 0; s < services; s++) {
      b.append("  ").append(serviceName(s)).append(":\n    endpoints:\n");
      for (int e = 0; e < ENDPOINTS; e++) b.append("      - { address: ").append(address(s, e)).append(" }\n");
    }
    return b.toString();
  }

  private static String address(int s, int e) {
    return "10." + (s / 250) + "." + (s % 250) + "." + (e + 1) + ":8080";
  }

  private static ZooKeeperRegistry zkRegistry(String connect, String owner) {
    return ZooKeeperRegistry.builder(connect).owner(owner)
        .sessionTimeout(Duration.ofSeconds(30)).connectionTimeout(Duration.ofSeconds(30)).build();
  }

  /** An operator's session: publishes documents as meshctl does, and holds registrations. */
  private static final class Operator implements AutoCloseable {
    final CuratorFramework client;

    Operator(String hosts) throws InterruptedException {
      client = CuratorFrameworkFactory.builder().connectString(hosts)
          .sessionTimeoutMs(30_000).connectionTimeoutMs(10_000).retryPolicy(new RetryOneTime(100)).build();
      client.start();
      if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) throw new IllegalStateException("cannot connect to " + hosts);
    }

    /** Creates or replaces {@code <root>/document}, with a version check. */
    void publish(String root, String yaml) throws Exception {
      String path = root + "/" + ZooKeeperRegistry.DOCUMENT;
      byte[] data = yaml.getBytes(StandardCharsets.UTF_8);
      Stat stat = client.checkExists().forPath(path);
      if (stat == null) {
        try {
          client.create().creatingParentsIfNeeded().forPath(path, data);
          return;
        } catch (KeeperException.NodeExistsException raced) {
          stat = client.checkExists().forPath(path);
        }
      }
      client.setData().withVersion(stat.getVersion()).forPath(path, data);
    }

    /** Registers 10 endpoints for each of S services, as ephemeral znodes of this session. */
    void register(String root, int services) throws Exception {
      client.create().creatingParentsIfNeeded().forPath(root + "/" + ZooKeeperRegistry.REGISTRATIONS);
      for (int s = 0; s < services; s++) {
        String folder = root + "/" + ZooKeeperRegistry.REGISTRATIONS + "/" + serviceName(s);
        client.create().forPath(folder);
        for (int e = 0; e < ENDPOINTS; e++) {
          client.create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
              .forPath(folder + "/operator_", ("address: " + address(s, e) + "\n").getBytes(StandardCharsets.UTF_8));
        }
      }
    }

    @Override
    public void close() {
      client.close();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Figures and housekeeping

  static long percentile(long[] values, double p) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  static String ms(long nanos) {
    return Table.num(nanos / 1e6, nanos < 10_000_000 ? 2 : 1);
  }

  private static Set<String> liveThreads() {
    return Thread.getAllStackTraces().keySet().stream().map(t -> t.getName() + "#" + t.getId()).collect(Collectors.toSet());
  }

  /** Threads started since {@code before} and still alive after a grace for the last ones to end. */
  private static List<String> leftoverThreads(Set<String> before) throws InterruptedException {
    List<String> left = List.of();
    for (int i = 0; i < 50; i++) {
      left = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.isAlive() && !before.contains(t.getName() + "#" + t.getId()))
          .filter(t -> !t.getName().startsWith("Common-Cleaner") && !t.getName().startsWith("Attach Listener"))
          .map(Thread::getName).sorted().collect(Collectors.toList());
      if (left.isEmpty()) return left;
      Thread.sleep(100);
    }
    // Curator's close() does not shut its client's SafeNotifyService executor down; the idle
    // thread ends only when the executor is collected. Say so, then see whether a GC ends it.
    System.out.println("threads still alive 5 s after closing: " + left + "; running a full GC");
    System.gc();
    Thread.sleep(1_000);
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && !before.contains(t.getName() + "#" + t.getId()))
        .filter(t -> !t.getName().startsWith("Common-Cleaner") && !t.getName().startsWith("Attach Listener"))
        .map(Thread::getName).sorted().collect(Collectors.toList());
  }

  private static void deleteTree(Path dir) throws Exception {
    if (!Files.exists(dir)) return;
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) Files.deleteIfExists(p);
    }
  }

  /** The markdown and CSV results. */
  private static final class Results {
    static String what(Memory x) {
      return x.withMesh() ? "registry + mesh, a destination per service" : "registry alone, a watch per service";
    }

    static void write(Path out, int rounds, List<Propagation> propagation, List<Memory> memory,
        double loadBefore, double loadAfter, List<String> leftover) throws Exception {
      Files.createDirectories(out);
      StringBuilder md = new StringBuilder("# Registry scale\n\n");
      md.append("Measured ").append(LocalDate.now()).append(" with `benchmarks/run.sh registry-scale` on ")
          .append(Runtime.getRuntime().availableProcessors())
          .append(" cores (a shared machine: compare ratios within this run); load average ")
          .append(Table.num(loadBefore, 2)).append(" before, ").append(Table.num(loadAfter, 2)).append(" after.\n\n");
      md.append("## Propagation\n\n");
      md.append(String.format(Locale.ROOT,
          "One ZooKeeper server (curator-test `TestingServer`, in the experiment's JVM, clients on 127.0.0.1). "
              + "N registries, each with its own session (ZooKeeper) or its own poll thread (file, every %d ms, the default), "
              + "each with its own `Mesh` holding a destination for `%s` (%d endpoints). A writer publishes a changed document "
              + "(ZooKeeper: `setData` with a version check, as meshctl does; file: write a new file and rename it over the old one). "
              + "Time from just before the write until the mesh's `onSnapshotApplied` with the new snapshot; \"last mesh\" is when "
              + "the last of the N applied it. %d publishes per row after 3 warm-up ones, each after a random pause of 50 to %d ms.%n%n",
          FILE_POLL.toMillis(), SERVICE, ENDPOINTS, rounds, 50 + FILE_POLL.toMillis()));
      Table t = new Table("registry", "meshes", "last mesh: median", "last mesh: max", "each mesh: median", "each mesh: p99",
          "last-mesh median vs file");
      Table csv = new Table("kind", "registry", "size", "median_ms", "max_ms", "each_median_ms", "each_p99_ms", "bytes");
      for (Propagation p : propagation) {
        Propagation file = propagation.stream().filter(f -> f.registry().equals("file") && f.meshes() == p.meshes()).findFirst().orElse(p);
        long median = percentile(p.lastNanos(), 50);
        t.row(p.registry(), p.meshes(), ms(median) + " ms", ms(percentile(p.lastNanos(), 100)) + " ms",
            ms(percentile(p.eachNanos(), 50)) + " ms", ms(percentile(p.eachNanos(), 99)) + " ms",
            Table.ratio(median, percentile(file.lastNanos(), 50)));
        csv.row("propagation", p.registry(), p.meshes(), ms(median), ms(percentile(p.lastNanos(), 100)),
            ms(percentile(p.eachNanos(), 50)), ms(percentile(p.eachNanos(), 99)), "");
      }
      md.append(t.markdown()).append('\n');
      md.append("## Memory\n\n");
      md.append("Used heap after full collections, before the registry exists and after a registry and a `Mesh` with a "
          + "destination for every service exist (each checked to hold its 10 endpoints); \"registry alone\": the registry with one `watch` per service and no mesh, to split the figure between the registry and the mesh. The ZooKeeper server runs in this JVM "
          + "but was started, and its znodes written, before the \"before\" figure: the difference is the client side, plus the "
          + "server's state for one more session (a few KB). \"document\": the services and endpoints in `<root>/document`; "
          + "\"registrations\": the services only as folders of ephemeral registration znodes (an operator session's), no document. "
          + "Every row is measured more than once, alternating.\n\n");
      Table m = new Table("registry", "what", "services × endpoints", "retained heap", "vs file (mean of its rows)", "top classes (difference)");
      for (Memory x : memory) {
        double file = memory.stream()
            .filter(f -> f.registry().equals("file") && f.services() == x.services() && f.withMesh() == x.withMesh())
            .mapToLong(Memory::bytes).average().orElse(x.bytes());
        m.row(x.registry(), what(x), x.services() + " × " + ENDPOINTS, Table.num(x.bytes() / 1e6, 2) + " MB",
            Table.ratio(x.bytes(), file), String.join("; ", x.topClasses().subList(0, Math.min(4, x.topClasses().size()))));
        csv.row("memory", x.registry() + (x.withMesh() ? "" : ", registry alone"), x.services(), "", "", "", "", x.bytes());
      }
      md.append(m.markdown()).append('\n');
      md.append("Heap histogram differences (top classes), per row:\n\n");
      for (Memory x : memory) {
        md.append("- ").append(x.registry()).append(", ").append(what(x)).append(", ").append(x.services()).append(" services: ")
            .append(String.join("; ", x.topClasses())).append('\n');
      }
      md.append('\n').append(leftover.isEmpty() ? "No thread was left behind." : "Threads left behind: " + leftover).append('\n');
      Files.writeString(out.resolve("registry-scale.md"), md.toString());
      Files.writeString(out.resolve("registry-scale.csv"), csv.csv());
      System.out.println("results: " + out.resolve("registry-scale.md"));
    }
  }
}
