package io.meshwork.zookeeper;

import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.MeshDocument;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.ConfigProblem;
import io.meshwork.core.registry.DocumentSource;
import io.meshwork.core.registry.InvalidDocumentException;
import io.meshwork.core.registry.MeshDocumentParser;
import io.meshwork.core.registry.RegisteredEndpoints;
import io.meshwork.core.registry.Registration;
import io.meshwork.core.registry.Registry;
import io.meshwork.core.registry.RegistryStatus;
import io.meshwork.core.registry.ServiceListener;
import io.meshwork.core.registry.SnapshotPublisher;
import io.meshwork.core.registry.Watch;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Registry} on Apache ZooKeeper: the mesh document and the registrations of every
 * process live in znodes, watched through Curator's {@code CuratorCache}, so a change made
 * anywhere reaches every watching process.
 *
 * <h2>Layout</h2>
 *
 * The connect string is {@code host:port[,host:port...][/root]}; the part from the first
 * {@code /} on is the mesh's root path (default {@value #DEFAULT_ROOT}), not a ZooKeeper chroot.
 * {@code <root>/document} holds the whole mesh document (UTF-8 YAML, the schema of the file
 * registry's {@code mesh.yaml}); {@code <root>/registrations/<service>/<owner>_<sequence>} holds
 * one registered endpoint (EPHEMERAL_SEQUENTIAL, the endpoint mapping the file registry writes),
 * where {@code <owner>} is the registering process, {@code <pid>@<hostname>} by default.
 *
 * <h2>Documents</h2>
 *
 * {@link Builder#build()} connects, reads the tree once and throws {@link
 * InvalidDocumentException} if the document is invalid (no document yet is an empty one).
 * Afterwards every change of the document is parsed when its watch fires. A valid one goes
 * into force and {@code mesh.registry.updates{result=applied}} counts it; an invalid one is
 * refused: the last good document stays in force, {@link #lastError()} and {@link #status()}
 * hold its problems (each naming the znode path, line and column), and one WARN log and one
 * {@code mesh.registry.updates{result=rejected}} are recorded per distinct broken content. A
 * deleted document is a read problem: the last good one stays in force. A valid document's
 * probable mistakes (a service without endpoints, no services) are logged and counted as {@code
 * mesh.registry.warnings} a {@linkplain Builder#registrationGrace registration grace} after it
 * went into force, unless registrations have filled the gap by then.
 *
 * <h2>Registrations</h2>
 *
 * {@link #register} creates an ephemeral sequential znode through Curator's {@code
 * PersistentNode}, which re-creates it after a session expiry; this registry's watches see the
 * endpoint at once, other processes when their watch fires. When a process dies its session
 * expires (after the {@linkplain Builder#sessionTimeout session timeout}) and ZooKeeper removes
 * its znodes. Registrations are merged as the file registry merges them (document endpoints
 * first, named ports of one owner and host joined into one endpoint). A malformed registration
 * is ignored with one WARN log and one rejected count per content.
 *
 * <h2>Faults</h2>
 *
 * While the connection is suspended or the session lost, nothing is removed: the last known
 * document and endpoints stay in force (a suspended session says nothing about the services)
 * and {@link #status()} reports the read problem. Curator reconnects by itself; on
 * reconnection the cache re-reads the tree and the differences are delivered.
 *
 * <h2>Threading</h2>
 *
 * Thread-safe. Besides Curator's threads, one daemon thread per registry, named {@value
 * #THREAD_NAME}, checks a document's probable mistakes after the registration grace.
 * Listeners are called one at a time under the registry's lock: on Curator's
 * event thread for changes in ZooKeeper, on the calling thread inside {@link #watch} and for
 * this registry's own {@link #register} and {@link Registration#close()}. The call path never
 * reads ZooKeeper: the engine only reads the snapshots it was given.
 */
public final class ZooKeeperRegistry implements Registry {
  /** The root path used when the connect string names none. */
  public static final String DEFAULT_ROOT = "/meshwork";
  /** Name of the document znode under the root. */
  public static final String DOCUMENT = "document";
  /** Name of the registrations znode under the root. */
  public static final String REGISTRATIONS = "registrations";

  static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(15);
  static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(10);
  static final Duration DEFAULT_REGISTRATION_GRACE = Duration.ofSeconds(10);
  /** Name of the thread that logs a document's probable mistakes after the registration grace. */
  public static final String THREAD_NAME = "meshwork-zookeeper-registry";

  private static final Logger log = LoggerFactory.getLogger(ZooKeeperRegistry.class);
  private static final int SEQUENCE_DIGITS = 10;

  private final String hosts;
  private final String root;
  private final String documentPath;
  private final String registrationsPath;
  private final String owner;
  private final Duration connectionTimeout;
  private final Clock clock;
  private final CuratorFramework client;
  private final CuratorCache cache;
  private final SnapshotPublisher publisher;
  private final Counter applied;
  private final Counter rejected;
  private final Counter noEndpointsWarnings;
  private final Counter noServicesWarnings;
  private final Duration registrationGrace;
  private final ScheduledExecutorService warner;
  // Curator's own "run safe" executor is never shut down by CuratorFramework.close() (5.9.0): its
  // thread would outlive the registry. This one is ours, so close() stops it.
  private final java.util.concurrent.ExecutorService notifier;
  private final AtomicLong localSequence = new AtomicLong();
  private final String digestId; // user:base64(sha1(user:password)), or null without credentials
  private final AtomicLong syncs = new AtomicLong();
  private volatile InvalidDocumentException lastError;

  // Guarded by the publisher's lock.
  private MeshDocument document = MeshDocument.EMPTY;
  private String documentText; // the content last read; null: none yet
  private String connectionProblem;
  private String documentProblem;
  private boolean initialized;
  private boolean closing;
  private final Map<Long, OwnRegistration> own = new TreeMap<>();
  private final Map<String, SeenRegistration> seen = new HashMap<>(); // by znode path
  private Map<String, List<Endpoint>> registeredByService = Map.of();
  private List<ConfigProblem> pendingWarnings; // of the document in force, until checked
  private ScheduledFuture<?> warningCheck;

  /**
   * Starts building a registry.
   *
   * @param connectString {@code host:port[,host:port...][/root]}, e.g. {@code
   *     127.0.0.1:2181/meshwork/prod}; without a root path, {@value #DEFAULT_ROOT}
   * @return a builder
   * @throws IllegalArgumentException if the connect string is malformed
   */
  public static Builder builder(String connectString) {
    return new Builder(connectString);
  }

  private ZooKeeperRegistry(Builder b) {
    this.hosts = b.hosts;
    this.root = b.root;
    this.documentPath = root + "/" + DOCUMENT;
    this.registrationsPath = root + "/" + REGISTRATIONS;
    this.owner = b.owner != null ? b.owner : defaultOwner();
    this.connectionTimeout = b.connectionTimeout;
    this.clock = b.clock;
    this.publisher = new SnapshotPublisher(this::view, log);
    MeterRegistry meters = b.meterRegistry != null ? b.meterRegistry : new SimpleMeterRegistry();
    this.applied = Counter.builder("mesh.registry.updates")
        .description("Registry documents and registrations applied or rejected")
        .tag("result", "applied").register(meters);
    this.rejected = Counter.builder("mesh.registry.updates")
        .description("Registry documents and registrations applied or rejected")
        .tag("result", "rejected").register(meters);
    this.noEndpointsWarnings = warnings(meters, "no-endpoints");
    this.noServicesWarnings = warnings(meters, "no-services");
    this.registrationGrace = b.registrationGrace;
    this.warner = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, THREAD_NAME);
      t.setDaemon(true);
      return t;
    });

    this.digestId = b.auth == null ? null : digest(b.auth);
    this.notifier = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, THREAD_NAME + "-notify");
      t.setDaemon(true);
      return t;
    });
    CuratorFrameworkFactory.Builder cb = CuratorFrameworkFactory.builder()
        .runSafeService(notifier)
        .connectString(hosts)
        .sessionTimeoutMs(Math.toIntExact(b.sessionTimeout.toMillis()))
        .connectionTimeoutMs(Math.toIntExact(b.connectionTimeout.toMillis()))
        .retryPolicy(new BoundedExponentialBackoffRetry(100, 1_000, 3));
    if (b.auth != null) {
      cb.authorization("digest", b.auth.getBytes(StandardCharsets.UTF_8)).aclProvider(new Acls(registrationsPath));
    }
    this.client = cb.build();
    this.cache = CuratorCache.build(client, root);
    CountDownLatch ready = new CountDownLatch(1);
    cache.listenable().addListener(CuratorCacheListener.builder()
        .forAll((type, oldData, data) -> onTreeChange())
        .forInitialized(() -> {
          onInitialized();
          ready.countDown();
        })
        .build());
    client.getConnectionStateListenable().addListener((c, state) -> onConnectionState(state));
    client.start();
    boolean started = false;
    try {
      if (!client.blockUntilConnected(Math.toIntExact(connectionTimeout.toMillis()), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("cannot connect to ZooKeeper at " + hosts + " within " + connectionTimeout);
      }
      cache.start();
      if (!ready.await(connectionTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("cannot read " + root + " from ZooKeeper at " + hosts + " within "
            + connectionTimeout);
      }
      InvalidDocumentException invalid = lastError;
      if (invalid != null) throw invalid;
      started = true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while connecting to ZooKeeper at " + hosts, e);
    } finally {
      if (!started) {
        warner.shutdownNow();
        publisher.close();
        cache.close();
        client.close();
        notifier.shutdownNow();
      }
    }
    log.info("Registry {} in force: {} services", source(), document().services().size());
  }

  private static Counter warnings(MeterRegistry meters, String reason) {
    return Counter.builder("mesh.registry.warnings")
        .description("Registry documents accepted with a probable mistake, by reason")
        .tag("reason", reason)
        .register(meters);
  }

  private static String user(String digestId) {
    return digestId.substring(0, digestId.indexOf(':'));
  }

  private static String digest(String userColonPassword) {
    try {
      return DigestAuthenticationProvider.generateDigest(userColonPassword);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is not available for ZooKeeper digest credentials", e);
    }
  }

  private static String defaultOwner() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      host = "localhost";
    }
    return ProcessHandle.current().pid() + "@" + host;
  }

  /** {@code zookeeper:<hosts><root>}, as {@link #status()} reports it. */
  private String source() {
    return "zookeeper:" + hosts + root;
  }

  /** The root path of this mesh in ZooKeeper, e.g. {@code /meshwork/prod}. */
  public String root() {
    return root;
  }

  /** Who this registry's registrations say made them: {@code <pid>@<hostname>} by default. */
  public String owner() {
    return owner;
  }

  /** The document in force (the last good one), without registered endpoints. */
  public MeshDocument document() {
    return publisher.locked(() -> document);
  }

  @Override
  public Set<String> serviceNames() {
    return Set.copyOf(document().services().keySet());
  }

  /**
   * Why the latest document in ZooKeeper was refused, while it is there; empty once a good one
   * has been applied.
   */
  public Optional<InvalidDocumentException> lastError() {
    return Optional.ofNullable(lastError);
  }

  /**
   * {@inheritDoc}
   *
   * <p>The source is {@code zookeeper:<hosts><root>}; a read problem is a suspended or lost
   * session (since when) or a missing document, while it lasts.
   */
  @Override
  public RegistryStatus status() {
    return publisher.locked(() -> {
      String problem = connectionProblem != null ? connectionProblem : documentProblem;
      return new RegistryStatus(source(), publisher.version(), publisher.lastChange(),
          lastError == null ? List.of() : lastError.problems(), Optional.ofNullable(problem));
    });
  }

  @Override
  public Watch watch(String service, ServiceListener listener) {
    return publisher.watch(service, listener);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Creates {@code <root>/registrations/<service>/<owner>_<sequence>} and waits for it up to
   * the connection timeout; this registry's watches see the endpoint at once. If ZooKeeper is
   * unreachable meanwhile, the znode is created when it is back (a WARN log says so).
   *
   * @throws IllegalStateException after {@link #close()}
   */
  @Override
  public Registration register(String service, Endpoint endpoint) {
    ServiceConfig.checkName(service);
    Objects.requireNonNull(endpoint, "endpoint");
    checkMayRegister(service);
    OwnRegistration r = new OwnRegistration(localSequence.incrementAndGet(), service, endpoint);
    publisher.change(() -> {
      if (closing) throw new IllegalStateException("registry closed: cannot register '" + service + "'");
      own.put(r.id, r);
      rebuildRegistered();
    });
    r.node.start();
    try {
      if (!r.node.waitForInitialCreate(connectionTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("Registry {}: registration of {} at {} not yet in ZooKeeper; it is created when the session is back",
            source(), service, endpoint.address());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return r;
  }

  /**
   * Fails fast when the service's folder exists and its ACL lets neither everyone nor this
   * registry's digest identity create znodes in it: otherwise the registration would only be
   * retried in the background, visible to nobody. Skipped while disconnected (the registration
   * is then created when the session is back, or logged as failing).
   */
  private void checkMayRegister(String service) {
    if (!client.getZookeeperClient().isConnected()) return;
    String folder = registrationsPath + "/" + service;
    List<ACL> acl;
    try {
      if (client.checkExists().forPath(folder) == null) return;
      acl = client.getACL().forPath(folder);
    } catch (Exception e) {
      return; // cannot tell: let the registration try
    }
    for (ACL a : acl) {
      if ((a.getPerms() & ZooDefs.Perms.CREATE) == 0) continue;
      Id id = a.getId();
      if (id.equals(ZooDefs.Ids.ANYONE_ID_UNSAFE) || !"digest".equals(id.getScheme())) return;
      if (digestId != null && digestId.equals(id.getId())) return;
      // ZooKeeper shows "user:x" for a digest to a reader without ADMIN on the node: the user
      // name is all that can be compared then.
      if (digestId != null && id.getId().equals(user(digestId) + ":x")) return;
    }
    throw new IllegalStateException("cannot register '" + service + "' in ZooKeeper: the ACL of " + folder
        + " lets " + (digestId == null ? "a process without credentials" : "identity '" + user(digestId) + "'")
        + " not create znodes there (expected: the service's digest credentials,"
        + " Builder.auth(\"user:password\"); see the mesh-zookeeper README, Access control)");
  }

  /** Removes this registry's registrations, stops watching, closes the session. Idempotent. */
  @Override
  public void close() {
    List<OwnRegistration> toClose = publisher.locked(() -> {
      if (closing) return null;
      closing = true;
      return new ArrayList<>(own.values());
    });
    if (toClose == null) return;
    // Without a connection, deleting would only wait: the session's expiry removes them.
    boolean connected = client.getZookeeperClient().isConnected();
    for (OwnRegistration r : toClose) {
      if (connected) r.closeNode();
    }
    publisher.change(() -> {
      publisher.close();
      own.clear();
      rebuildRegistered();
    });
    warner.shutdownNow();
    cache.close();
    client.close();
    notifier.shutdown();
    try {
      if (!notifier.awaitTermination(2, TimeUnit.SECONDS)) notifier.shutdownNow();
    } catch (InterruptedException e) {
      notifier.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /** How many times the tree was re-read into the registry; for tests (one per change). */
  long syncCount() {
    return syncs.get();
  }

  /** The Curator client, for tests that expire its session. */
  CuratorFramework client() {
    return client;
  }

  // ---------------------------------------------------------------- ZooKeeper events

  private void onInitialized() {
    publisher.change(() -> {
      initialized = true;
      sync();
    });
  }

  private void onTreeChange() {
    try {
      publisher.change(() -> {
        if (initialized && !closing) sync();
      });
    } catch (RuntimeException e) {
      log.error("Registry {}: applying a change failed; retrying at the next one", source(), e);
    }
  }

  private void onConnectionState(ConnectionState state) {
    publisher.locked(() -> {
      switch (state) {
        case SUSPENDED -> connectionProblem = "ZooKeeper session suspended since " + clock.instant()
            + " (no connection to " + hosts + "); serving the last known document and endpoints";
        case LOST -> connectionProblem = "ZooKeeper session lost since " + clock.instant()
            + " (no connection to " + hosts + "); serving the last known document and endpoints";
        case CONNECTED, RECONNECTED -> connectionProblem = null;
        default -> { }
      }
      return null;
    });
    switch (state) {
      case SUSPENDED, LOST -> log.warn("Registry {}: ZooKeeper connection {}; serving the last known document and endpoints",
          source(), state);
      case RECONNECTED -> log.info("Registry {}: ZooKeeper connection {}", source(), state);
      default -> { }
    }
  }

  // Called with the lock held.
  private void sync() {
    syncs.incrementAndGet();
    Optional<ChildData> doc = cache.get(documentPath);
    if (doc.isPresent()) {
      documentProblem = null;
      byte[] bytes = doc.get().getData();
      applyDocument(bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8));
    } else if (documentText != null) {
      if (documentProblem == null) {
        documentProblem = documentPath + " does not exist; keeping the last good document";
        log.warn("Registry {}: {}", source(), documentProblem);
      }
    }
    syncRegistrations();
  }

  // Called with the lock held.
  private void applyDocument(String text) {
    if (text.equals(documentText)) return;
    documentText = text;
    try {
      List<ConfigProblem> warnings = new ArrayList<>();
      MeshDocument next = MeshDocumentParser.parseAll(List.of(new DocumentSource(documentPath, text)), warnings);
      document = next;
      lastError = null;
      applied.increment();
      scheduleWarnings(warnings);
      log.info("Registry {}: document applied, {} services", source(), next.services().size());
    } catch (InvalidDocumentException e) {
      lastError = e;
      rejected.increment();
      log.warn("Rejected registry document {}, keeping the last good one:{}", documentPath, describe(e.problems()));
    } catch (RuntimeException e) {
      rejected.increment();
      log.warn("Rejected registry document {}, keeping the last good one: the parser failed", documentPath, e);
    }
  }

  /**
   * Logs and counts the probable mistakes of the document now in force (services without
   * endpoints, no services), once, a registration grace after it went into force, unless by
   * then the service (for no-services: any service) has registered endpoints: a service whose
   * servers register at run time legitimately lists none. Called with the lock held.
   */
  private void scheduleWarnings(List<ConfigProblem> warnings) {
    if (warningCheck != null) warningCheck.cancel(false);
    pendingWarnings = List.copyOf(warnings);
    List<ConfigProblem> mine = pendingWarnings;
    try {
      warningCheck = warner.schedule(() -> publisher.locked(() -> {
        checkWarnings(mine);
        return null;
      }), registrationGrace.toNanos(), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      // Closing.
    }
  }

  // Called with the lock held, on the warning thread.
  private void checkWarnings(List<ConfigProblem> warnings) {
    if (pendingWarnings != warnings || closing) return; // superseded by a newer document
    pendingWarnings = null;
    for (ConfigProblem w : warnings) {
      String field = w.field();
      if (!field.startsWith("services.") || !field.endsWith(".endpoints")) continue;
      String service = field.substring("services.".length(), field.length() - ".endpoints".length());
      if (registeredByService.containsKey(service)) continue; // its endpoints are registered at run time
      noEndpointsWarnings.increment();
      log.warn("Registry document {}", w);
    }
    if (document.services().isEmpty() && registeredByService.isEmpty()) {
      noServicesWarnings.increment();
      log.warn("Registry {}: the document {} names no services (probably a mistake: every call through the mesh"
          + " fails with no-endpoints until services are added or registered)", source(), documentPath);
    }
  }

  // Called with the lock held.
  private void syncRegistrations() {
    String prefix = registrationsPath + "/";
    Set<String> present = new HashSet<>();
    cache.stream().forEach(cd -> {
      String path = cd.getPath();
      if (!path.startsWith(prefix)) return;
      String rest = path.substring(prefix.length());
      int slash = rest.indexOf('/');
      if (slash < 0) return; // a service folder
      present.add(path);
      String data = cd.getData() == null ? "" : new String(cd.getData(), StandardCharsets.UTF_8);
      SeenRegistration s = seen.get(path);
      if (s == null || !s.data().equals(data)) seen.put(path, parseRegistration(path, rest, slash, data));
    });
    seen.keySet().retainAll(present);
    rebuildRegistered();
  }

  private SeenRegistration parseRegistration(String path, String rest, int slash, String data) {
    try {
      String service = ServiceConfig.checkName(rest.substring(0, slash));
      String name = rest.substring(slash + 1);
      int sep = name.length() - SEQUENCE_DIGITS - 1;
      if (name.indexOf('/') >= 0 || sep <= 0 || name.charAt(sep) != '_'
          || !name.substring(sep + 1).chars().allMatch(Character::isDigit)) {
        throw new IllegalArgumentException("znode name: '" + name + "' (expected: <owner>_<10-digit sequence>)");
      }
      Endpoint endpoint = MeshDocumentParser.parseEndpoint(new DocumentSource(path, data));
      return new SeenRegistration(data, new Registered(service, name.substring(0, sep),
          Long.parseLong(name.substring(sep + 1)), endpoint));
    } catch (InvalidDocumentException e) {
      rejected.increment();
      log.warn("Ignoring malformed registration {}:{}", path, describe(e.problems()));
    } catch (RuntimeException e) {
      rejected.increment();
      log.warn("Ignoring malformed registration {}: {}", path, e.getMessage());
    }
    return new SeenRegistration(data, null);
  }

  // Called with the lock held.
  private SnapshotPublisher.View view(String service) {
    List<Endpoint> extra = registeredByService.getOrDefault(service, List.of());
    boolean known = document.services().containsKey(service) || !extra.isEmpty();
    return new SnapshotPublisher.View(known, document.mesh(), document.service(service).withExtraEndpoints(extra));
  }

  /**
   * Recomputes the registered endpoints: those in ZooKeeper in sequence order, this registry's
   * own at their znode's place (or last while not yet created), without repeating one owner's
   * identical endpoint (a znode re-created after a session expiry while the old one lingers).
   * Called with the lock held.
   */
  private void rebuildRegistered() {
    Map<String, Registered> ownByPath = new HashMap<>();
    List<Registered> all = new ArrayList<>();
    for (OwnRegistration r : own.values()) {
      String actual = r.node.getActualPath();
      long seq = actual == null ? Long.MAX_VALUE : sequenceOf(actual);
      Registered reg = new Registered(r.service, owner, seq, r.endpoint);
      all.add(reg);
      if (actual != null) ownByPath.put(actual, reg);
    }
    for (Map.Entry<String, SeenRegistration> e : seen.entrySet()) {
      Registered reg = e.getValue().registered();
      if (reg != null && !ownByPath.containsKey(e.getKey())) all.add(reg);
    }
    all.sort((a, b) -> Long.compare(a.sequence(), b.sequence()));
    Map<String, List<RegisteredEndpoints.Entry>> byService = new LinkedHashMap<>();
    Set<List<Object>> unique = new HashSet<>();
    for (Registered r : all) {
      if (!unique.add(List.of(r.service(), r.owner(), r.endpoint()))) continue;
      byService.computeIfAbsent(r.service(), s -> new ArrayList<>())
          .add(new RegisteredEndpoints.Entry(r.owner(), r.endpoint()));
    }
    Map<String, List<Endpoint>> merged = new HashMap<>();
    byService.forEach((service, entries) -> merged.put(service, RegisteredEndpoints.merge(entries)));
    registeredByService = merged;
  }

  private static long sequenceOf(String path) {
    try {
      return Long.parseLong(path.substring(path.length() - SEQUENCE_DIGITS));
    } catch (RuntimeException e) {
      return Long.MAX_VALUE;
    }
  }

  private static String describe(List<ConfigProblem> problems) {
    StringBuilder sb = new StringBuilder();
    for (ConfigProblem p : problems) sb.append("\n  ").append(p);
    return sb.toString();
  }

  private record Registered(String service, String owner, long sequence, Endpoint endpoint) {}

  /** A registration znode as last read: its data and what it announces (null if malformed). */
  private record SeenRegistration(String data, Registered registered) {}

  private final class OwnRegistration implements Registration {
    final long id;
    final String service;
    final Endpoint endpoint;
    final PersistentNode node;
    private boolean closed; // guarded by the publisher's lock

    OwnRegistration(long id, String service, Endpoint endpoint) {
      this.id = id;
      this.service = service;
      this.endpoint = endpoint;
      this.node = new PersistentNode(client, CreateMode.EPHEMERAL_SEQUENTIAL, false,
          registrationsPath + "/" + service + "/" + owner + "_",
          RegisteredEndpoints.yaml(endpoint).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String service() {
      return service;
    }

    @Override
    public Endpoint endpoint() {
      return endpoint;
    }

    @Override
    public void close() {
      boolean first = publisher.locked(() -> {
        if (closed) return false;
        closed = true;
        return true;
      });
      if (!first) return;
      publisher.change(() -> {
        own.remove(id);
        rebuildRegistered();
      });
      closeNode();
    }

    void closeNode() {
      try {
        node.close();
      } catch (Exception e) {
        log.warn("Registry {}: cannot delete registration {}: {}", source(), node.getActualPath(), e.toString());
      }
    }

    @Override
    public String toString() {
      return "Registration[" + service + " at " + endpoint.address() + ", " + node.getActualPath() + "]";
    }
  }

  /**
   * The ACLs of what a registry creates when it has digest credentials: the root (if this
   * process is first) and the registrations folder let everyone read and create, so operators
   * and services can add their znodes; a service's folder and its registrations let everyone
   * read and only their creator's identity change them.
   */
  private static final class Acls implements ACLProvider {
    private final String registrationsPath;

    Acls(String registrationsPath) {
      this.registrationsPath = registrationsPath;
    }

    @Override
    public List<ACL> getDefaultAcl() {
      return readAndCreatorAll();
    }

    @Override
    public List<ACL> getAclForPath(String path) {
      if (path.startsWith(registrationsPath + "/")) return readAndCreatorAll();
      List<ACL> acls = new ArrayList<>();
      acls.add(new ACL(ZooDefs.Perms.READ | ZooDefs.Perms.CREATE, ZooDefs.Ids.ANYONE_ID_UNSAFE));
      acls.add(new ACL(ZooDefs.Perms.ALL, ZooDefs.Ids.AUTH_IDS));
      return acls;
    }

    private static List<ACL> readAndCreatorAll() {
      List<ACL> acls = new ArrayList<>(ZooDefs.Ids.READ_ACL_UNSAFE);
      acls.addAll(ZooDefs.Ids.CREATOR_ALL_ACL);
      return acls;
    }
  }

  /**
   * Builds a {@link ZooKeeperRegistry}. Defaults: session timeout 15 s, connection timeout
   * 10 s, no credentials, owner {@code <pid>@<hostname>}, meters in a private registry, the
   * system clock.
   */
  public static final class Builder {
    private final String hosts;
    private final String root;
    private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
    private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
    private Duration registrationGrace = DEFAULT_REGISTRATION_GRACE;
    private String auth;
    private String owner;
    private MeterRegistry meterRegistry;
    private Clock clock = Clock.systemUTC();

    private Builder(String connectString) {
      Objects.requireNonNull(connectString, "connectString");
      int slash = connectString.indexOf('/');
      String h = slash < 0 ? connectString : connectString.substring(0, slash);
      String r = slash < 0 ? DEFAULT_ROOT : connectString.substring(slash);
      while (r.length() > 1 && r.endsWith("/")) r = r.substring(0, r.length() - 1);
      if (h.isBlank() || h.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException("connect string: '" + connectString
            + "' (expected: host:port[,host:port...][/root], e.g. 127.0.0.1:2181/meshwork)");
      }
      for (String hp : h.split(",", -1)) {
        int colon = hp.lastIndexOf(':');
        if (hp.isEmpty() || colon == 0 || (colon > 0 && !hp.substring(colon + 1).matches("[0-9]{1,5}"))) {
          throw new IllegalArgumentException("connect string: '" + connectString + "': bad host '" + hp
              + "' (expected: host:port[,host:port...][/root])");
        }
      }
      if (r.equals("/") || r.contains("//")) {
        throw new IllegalArgumentException("connect string: '" + connectString + "': bad root path '" + r
            + "' (expected: /name[/name...], e.g. /meshwork/prod)");
      }
      this.hosts = h;
      this.root = r;
    }

    /**
     * How long ZooKeeper keeps this process's session, and so its registrations, after it stops
     * hearing from it (a dead process's endpoints disappear after this); default 15 s.
     */
    public Builder sessionTimeout(Duration v) {
      this.sessionTimeout = positive("sessionTimeout", v);
      return this;
    }

    /**
     * How long {@link #build()} waits to connect and read the tree, and after which a lost
     * connection counts as suspended; default 10 s.
     */
    public Builder connectionTimeout(Duration v) {
      this.connectionTimeout = positive("connectionTimeout", v);
      return this;
    }

    /**
     * How long after a document goes into force its services without endpoints may wait for
     * registrations before each is logged at WARN and counted as {@code
     * mesh.registry.warnings{reason=no-endpoints}} (a document naming no services, as {@code
     * {reason=no-services}}); default 10 s.
     */
    public Builder registrationGrace(Duration v) {
      this.registrationGrace = positive("registrationGrace", v);
      return this;
    }

    /**
     * Digest credentials of this process, {@code user:password}: its registrations are
     * created so that only this identity can change them (see the module README for the ACL
     * set-up).
     */
    public Builder auth(String userColonPassword) {
      Objects.requireNonNull(userColonPassword, "auth");
      int colon = userColonPassword.indexOf(':');
      if (colon <= 0 || colon == userColonPassword.length() - 1) {
        throw new IllegalArgumentException("auth: expected user:password (digest credentials)");
      }
      this.auth = userColonPassword;
      return this;
    }

    /**
     * Who this registry's registrations say made them (registrations of one owner with named
     * ports and the same host are merged); default {@code <pid>@<hostname>}. Tests that run
     * several "processes" in one JVM give each its own.
     */
    public Builder owner(String v) {
      Objects.requireNonNull(v, "owner");
      if (v.isEmpty() || v.indexOf('/') >= 0) {
        throw new IllegalArgumentException("owner: '" + v + "' (expected: non-empty, without '/')");
      }
      this.owner = v;
      return this;
    }

    /** Where {@code mesh.registry.updates} is counted; default a private registry. */
    public Builder meterRegistry(MeterRegistry v) {
      this.meterRegistry = Objects.requireNonNull(v, "meterRegistry");
      return this;
    }

    /** The clock read problems are dated with ("suspended since ..."); default the system's. */
    public Builder clock(Clock v) {
      this.clock = Objects.requireNonNull(v, "clock");
      return this;
    }

    /**
     * Connects, reads the document and registrations and starts watching them.
     *
     * @throws IllegalStateException if ZooKeeper cannot be reached and read within the
     *     connection timeout
     * @throws InvalidDocumentException if the document in ZooKeeper is invalid (naming the
     *     znode path, line and column)
     */
    public ZooKeeperRegistry build() {
      return new ZooKeeperRegistry(this);
    }

    private static Duration positive(String name, Duration v) {
      Objects.requireNonNull(v, name);
      if (v.isNegative() || v.isZero()) {
        throw new IllegalArgumentException(name + ": " + v + " (expected: positive)");
      }
      return v;
    }
  }
}
