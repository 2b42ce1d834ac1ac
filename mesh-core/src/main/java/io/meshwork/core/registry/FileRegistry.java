package io.meshwork.core.registry;

import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.MeshDocument;
import io.meshwork.core.model.ServiceConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default registry: one YAML file, or a folder of them, watched for changes.
 *
 * <h2>Documents</h2>
 *
 * The path is one file, or a folder whose {@code *.yaml} and {@code *.yml} files (not
 * recursive, hidden files ignored) are read in name order and merged with {@link
 * MeshDocumentParser#parseAll}. {@link Builder#build()} reads them once and throws {@link
 * InvalidDocumentException} (with file and line) when they are invalid. Afterwards a poll
 * thread re-reads them every {@linkplain Builder#pollInterval poll interval} (250 ms by
 * default) and compares their bytes, so edits that keep the size and modification time are
 * seen too. A valid change goes into force and each watch whose service changed is notified;
 * {@code mesh.registry.updates{result=applied}} counts it (the initial document included). An
 * invalid one is refused: the last good document stays in force, {@link #lastError()} holds
 * the problems, and one WARN log and one {@code mesh.registry.updates{result=rejected}} are
 * recorded per distinct broken content, however many polls see it. A half-written file is
 * just such a broken content, superseded at the next poll.
 *
 * <p>Some valid documents are probably mistakes: a service without endpoints ({@code
 * endpoints: []} or none written), a document without services. They are accepted, and one
 * {@linkplain Builder#registrationTtl registration TTL} after such a document went into force
 * each is logged at WARN (naming the file, line and service) and counted as {@code
 * mesh.registry.warnings{reason=no-endpoints}} or {@code {reason=no-services}}, unless by then
 * the service (for no-services: any service) has registered endpoints: a service whose servers
 * register at run time legitimately lists none. The wait gives such servers, in this process or
 * another, the time to register.
 *
 * <h2>Registrations</h2>
 *
 * {@link #register} writes one file per endpoint into the hidden folder {@value
 * #REGISTRATIONS_FOLDER} beside the documents (inside the folder, or in the parent folder of
 * a single file), named {@code <service>--<registry id>.<sequence>.yaml}, holding the endpoint
 * mapping ({@code address, zone, weight, labels}, or {@code address: <host>, ports: {...}} for
 * named ports) and written atomically. Every registry over the
 * same path, in this process or another on the machine, picks it up at its next poll. The
 * owner renews the file's modification time every third of the {@linkplain
 * Builder#registrationTtl TTL}; readers ignore a file not renewed for a TTL (its process
 * died) and delete it after three. Registered endpoints join their service after the
 * document's own, in file-name order; a registration makes an otherwise unknown service
 * known, with default policies. Registrations with named ports ({@link Endpoint#ofPort}) made
 * through one registry object (one process) with the same host are merged into one endpoint
 * holding all their ports (the registry id in the file name tells whose they are); closing one
 * removes only its ports. A malformed registration file is ignored, with one WARN log
 * and one rejected count per content. Closing a registration deletes its file, and this
 * registry's watches see that at once.
 *
 * <h2>Threading</h2>
 *
 * Thread-safe. One daemon thread per registry, named {@value #THREAD_NAME}, polls and
 * renews. Listeners are called one at a time under the registry's lock: on the poll thread
 * for file changes, on the calling thread inside {@link #watch} (the first snapshot) and for
 * this registry's own {@link #register} and {@link Registration#close()}. Listeners must
 * return quickly and must not wait for another thread that uses this registry. Reading and
 * parsing happen off the engine's hot path, which only reads the snapshots it was given.
 *
 * <p>{@link #close()} stops the thread, deletes this registry's registration files and
 * closes every watch; afterwards {@link #watch} and {@link #register} throw {@link
 * IllegalStateException}.
 */
public final class FileRegistry implements Registry {
  /** Name of the hidden folder that holds registration files. */
  public static final String REGISTRATIONS_FOLDER = ".meshwork-registrations";
  /** Name of the poll thread. */
  public static final String THREAD_NAME = "meshwork-file-registry";

  static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(250);
  static final Duration DEFAULT_REGISTRATION_TTL = Duration.ofSeconds(10);

  private static final Logger log = LoggerFactory.getLogger(FileRegistry.class);
  private static final String SEPARATOR = "--";
  private static final String REGISTRATION_SUFFIX = ".yaml";

  private final Path path;
  private final Path registrationFolder;
  private final long ttlMillis;
  private final Counter applied;
  private final Counter rejected;
  private final Counter noEndpointsWarnings;
  private final Counter noServicesWarnings;
  private final SnapshotPublisher publisher;
  private final ScheduledExecutorService executor;
  private final AtomicLong polls = new AtomicLong();
  /** Prefix of this registry's registration ids: whose registrations are merged by host. */
  private final String instanceId = UUID.randomUUID().toString();
  private final AtomicLong registrationSequence = new AtomicLong();
  private volatile Thread pollThread;
  private volatile InvalidDocumentException lastError;

  // Guarded by the publisher's lock.
  private MeshDocument document;
  private List<DocumentSource> lastSeen;
  private String lastReadProblem;
  private boolean closing;
  private final Map<String, OwnRegistration> own = new TreeMap<>(); // by file name
  private Map<String, Registered> others = Map.of(); // live ones, by file name
  private final Map<String, RegistrationFile> seenFiles = new HashMap<>(); // by file name
  private Map<String, List<Endpoint>> registeredByService = Map.of();
  // Probable mistakes of the document in force, logged once a TTL after it went into force.
  private Parsed pendingWarnings;
  private long warnAtNanos;

  /** Starts building a registry over {@code path}: one YAML file or a folder of them. */
  public static Builder builder(Path path) {
    return new Builder(path);
  }

  private FileRegistry(Builder b) {
    this.path = b.path;
    boolean folder = Files.isDirectory(b.path);
    Path dir = folder ? b.path : b.path.toAbsolutePath().getParent();
    this.registrationFolder = dir.resolve(REGISTRATIONS_FOLDER);
    this.ttlMillis = b.registrationTtl.toMillis();
    this.publisher = new SnapshotPublisher(this::view, log);

    List<DocumentSource> sources;
    try {
      sources = readSources();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read registry " + path + ": " + e, e);
    }
    Parsed initial = parse(sources); // throws InvalidDocumentException

    MeterRegistry meters = b.meterRegistry != null ? b.meterRegistry : new SimpleMeterRegistry();
    this.applied = updates(meters, "applied");
    this.rejected = updates(meters, "rejected");
    this.noEndpointsWarnings = warnings(meters, "no-endpoints");
    this.noServicesWarnings = warnings(meters, "no-services");

    publisher.change(() -> {
      document = initial.document();
      scheduleWarnings(initial);
      lastSeen = sources;
      applied.increment();
      scanRegistrations();
    });
    log.info("Registry {} in force: {} services", path, initial.document().services().size());

    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, THREAD_NAME);
      t.setDaemon(true);
      pollThread = t;
      return t;
    });
    long poll = b.pollInterval.toNanos();
    long renew = Math.max(1, b.registrationTtl.toNanos() / 3);
    executor.scheduleWithFixedDelay(this::poll, poll, poll, TimeUnit.NANOSECONDS);
    executor.scheduleWithFixedDelay(this::renew, renew, renew, TimeUnit.NANOSECONDS);
  }

  private static Counter updates(MeterRegistry meters, String result) {
    return Counter.builder("mesh.registry.updates")
        .description("Registry documents and registrations applied or rejected")
        .tag("result", result)
        .register(meters);
  }

  private static Counter warnings(MeterRegistry meters, String reason) {
    return Counter.builder("mesh.registry.warnings")
        .description("Registry documents accepted with a probable mistake, by reason")
        .tag("reason", reason)
        .register(meters);
  }

  /** The path this registry reads. */
  public Path path() {
    return path;
  }

  /** The document in force (the last good one), without registered endpoints. */
  @Override
  public java.util.Set<String> serviceNames() {
    return java.util.Set.copyOf(document().services().keySet());
  }

  public MeshDocument document() {
    return publisher.locked(() -> document);
  }

  /**
   * Why the latest change of the documents was refused, while it is in the files; empty once
   * a good version has been applied (and at start, which requires a good one).
   */
  public Optional<InvalidDocumentException> lastError() {
    return Optional.ofNullable(lastError);
  }

  /**
   * {@inheritDoc}
   *
   * <p>The source is {@code file:<path>}; a read problem is an unreadable document file, while
   * it lasts.
   */
  @Override
  public RegistryStatus status() {
    return publisher.locked(() -> new RegistryStatus("file:" + path, publisher.version(),
        publisher.lastChange(), lastError == null ? List.of() : lastError.problems(),
        Optional.ofNullable(lastReadProblem)));
  }

  @Override
  public Watch watch(String service, ServiceListener listener) {
    return publisher.watch(service, listener);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Writes the registration file before returning; this registry's watches see the
   * endpoint at once, other registries over the same path at their next poll.
   *
   * @throws UncheckedIOException if the file cannot be written
   * @throws IllegalStateException after {@link #close()}
   */
  @Override
  public Registration register(String service, Endpoint endpoint) {
    ServiceConfig.checkName(service);
    Objects.requireNonNull(endpoint, "endpoint");
    String fileName = service + SEPARATOR + instanceId + "." + String.format("%09d",
        registrationSequence.incrementAndGet()) + REGISTRATION_SUFFIX;
    OwnRegistration r = new OwnRegistration(service, endpoint, fileName);
    publisher.change(() -> {
      if (closing) {
        throw new IllegalStateException("registry closed: cannot register '" + service + "'");
      }
      try {
        Files.createDirectories(registrationFolder);
        writeAtomically(r.file, endpointYaml(endpoint));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write registration " + r.file + ": " + e, e);
      }
      own.put(fileName, r);
      rebuildRegistered();
    });
    return r;
  }

  /** Stops the poll thread, deletes this registry's registrations, closes every watch. Idempotent. */
  @Override
  public void close() {
    boolean first = publisher.locked(() -> {
      boolean was = closing;
      closing = true;
      return !was;
    });
    if (!first) return;
    executor.shutdown();
    if (Thread.currentThread() != pollThread) {
      try {
        executor.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    publisher.change(() -> {
      publisher.close();
      for (OwnRegistration r : own.values()) deleteQuietly(r.file);
      own.clear();
      rebuildRegistered();
    });
  }

  /** How many polls have completed; for tests that must let several polls pass. */
  long pollCount() {
    return polls.get();
  }

  // ---------------------------------------------------------------- poll thread

  private void poll() {
    try {
      publisher.change(() -> {
        if (closing) return;
        pollDocuments();
        scanRegistrations();
        checkWarnings();
      });
    } catch (RuntimeException e) {
      log.error("Registry {}: poll failed; retrying at the next poll", path, e);
    } finally {
      polls.incrementAndGet();
    }
  }

  // Called with the lock held.
  private void pollDocuments() {
    List<DocumentSource> sources;
    try {
      sources = readSources();
    } catch (IOException e) {
      reportReadProblem("cannot read registry " + path + ": " + e);
      return;
    }
    lastReadProblem = null;
    if (sources.equals(lastSeen)) return;
    lastSeen = sources;
    try {
      Parsed parsed = parse(sources);
      MeshDocument next = parsed.document();
      document = next;
      scheduleWarnings(parsed);
      lastError = null;
      applied.increment();
      log.info("Registry {} reloaded: {} services", path, next.services().size());
    } catch (InvalidDocumentException e) {
      lastError = e;
      rejected.increment();
      log.warn("Rejected registry document {}, keeping the last good one:{}", path, describe(e));
    } catch (RuntimeException e) {
      rejected.increment();
      log.warn("Rejected registry document {}, keeping the last good one: the parser failed", path, e);
    }
  }

  private void reportReadProblem(String problem) {
    if (!problem.equals(lastReadProblem)) {
      log.warn("{}; keeping the last good document and retrying", problem);
      lastReadProblem = problem;
    }
  }

  private List<DocumentSource> readSources() throws IOException {
    return DocumentSource.read(path);
  }

  private static Parsed parse(List<DocumentSource> sources) {
    List<ConfigProblem> warnings = new ArrayList<>();
    MeshDocument document = sources.isEmpty() ? MeshDocument.EMPTY : MeshDocumentParser.parseAll(sources, warnings);
    return new Parsed(document, List.copyOf(warnings));
  }

  /** A valid document and its probable mistakes (services without endpoints). */
  private record Parsed(MeshDocument document, List<ConfigProblem> warnings) {}

  // Called with the lock held.
  private void scheduleWarnings(Parsed parsed) {
    pendingWarnings = parsed;
    warnAtNanos = System.nanoTime() + ttlMillis * 1_000_000L;
  }

  /**
   * Logs and counts the probable mistakes of the document in force, once, a registration TTL
   * after it went into force: by then a process that registers the endpoints of a service
   * (which legitimately has none in the document) has written or renewed its registration, so
   * such a service is not warned about. Called with the lock held, on the poll thread.
   */
  private void checkWarnings() {
    Parsed p = pendingWarnings;
    if (p == null || System.nanoTime() - warnAtNanos < 0) return;
    pendingWarnings = null;
    for (ConfigProblem w : p.warnings()) {
      String service = w.field().substring("services.".length(), w.field().length() - ".endpoints".length());
      if (registeredByService.containsKey(service)) continue; // its endpoints are registered at run time
      noEndpointsWarnings.increment();
      log.warn("Registry document {}", w);
    }
    if (p.document().services().isEmpty() && registeredByService.isEmpty()) {
      noServicesWarnings.increment();
      log.warn("Registry {}: the document names no services (probably a mistake: an empty or misnamed file;"
          + " every call through the mesh fails with no-endpoints until services are added or registered)", path);
    }
  }

  /** Every problem on a line of its own, {@code source:line:column: field: message}. */
  private static String describe(InvalidDocumentException e) {
    StringBuilder sb = new StringBuilder();
    for (ConfigProblem p : e.problems()) sb.append("\n  ").append(p);
    return sb.toString();
  }

  // Called with the lock held.
  private void scanRegistrations() {
    Map<String, Registered> live = new TreeMap<>();
    Set<String> present = new HashSet<>();
    if (Files.isDirectory(registrationFolder)) {
      long now = System.currentTimeMillis();
      try (DirectoryStream<Path> files = Files.newDirectoryStream(registrationFolder)) {
        for (Path file : files) {
          String name = file.getFileName().toString();
          if (own.containsKey(name)) continue;
          try {
            long age = now - Files.getLastModifiedTime(file).toMillis();
            if (age > 3 * ttlMillis) {
              Files.deleteIfExists(file); // its owner stopped long ago; temporary files too
              continue;
            }
            if (age > ttlMillis || name.startsWith(".") || !name.endsWith(REGISTRATION_SUFFIX)) continue;
            String content = Files.readString(file, StandardCharsets.UTF_8);
            present.add(name);
            RegistrationFile seen = seenFiles.get(name);
            if (seen == null || !seen.content().equals(content)) {
              seen = parseRegistration(file, name, content);
              seenFiles.put(name, seen);
            }
            if (seen.registered() != null) live.put(name, seen.registered());
          } catch (NoSuchFileException gone) {
            // Withdrawn or expired meanwhile.
          } catch (IOException e) {
            log.debug("Registry {}: cannot read registration {}: {}", path, file, e.toString());
          }
        }
      } catch (NoSuchFileException gone) {
        // No registrations.
      } catch (IOException e) {
        reportReadProblem("cannot list registrations in " + registrationFolder + ": " + e);
        return;
      }
    }
    seenFiles.keySet().retainAll(present);
    if (!live.equals(others)) {
      others = live;
      rebuildRegistered();
    }
  }

  private RegistrationFile parseRegistration(Path file, String name, String content) {
    String stem = name.substring(0, name.length() - REGISTRATION_SUFFIX.length());
    int sep = stem.lastIndexOf(SEPARATOR);
    try {
      if (sep <= 0) {
        throw new IllegalArgumentException(
            "file name: '" + name + "' (expected: <service>" + SEPARATOR + "<id>" + REGISTRATION_SUFFIX + ")");
      }
      String service = ServiceConfig.checkName(stem.substring(0, sep));
      Endpoint endpoint = MeshDocumentParser.parseEndpoint(new DocumentSource(file.toString(), content));
      return new RegistrationFile(content, new Registered(service, owner(stem.substring(sep + SEPARATOR.length())),
          endpoint));
    } catch (InvalidDocumentException e) {
      rejected.increment();
      log.warn("Ignoring malformed registration {}:{}", file, describe(e));
    } catch (RuntimeException e) {
      rejected.increment();
      log.warn("Ignoring malformed registration {}: {}", file, e.getMessage());
    }
    return new RegistrationFile(content, null);
  }

  private void renew() {
    try {
      publisher.locked(() -> {
        if (closing) return null;
        FileTime now = FileTime.fromMillis(System.currentTimeMillis());
        for (OwnRegistration r : own.values()) {
          try {
            Files.setLastModifiedTime(r.file, now);
          } catch (NoSuchFileException gone) {
            // Someone took it for expired (e.g. after a long pause): write it again.
            try {
              Files.createDirectories(registrationFolder);
              writeAtomically(r.file, endpointYaml(r.endpoint));
            } catch (IOException e) {
              log.warn("Registry {}: cannot rewrite registration {}: {}", path, r.file, e.toString());
            }
          } catch (IOException e) {
            log.warn("Registry {}: cannot renew registration {}: {}", path, r.file, e.toString());
          }
        }
        return null;
      });
    } catch (RuntimeException e) {
      log.error("Registry {}: renewing registrations failed; retrying", path, e);
    }
  }

  // ---------------------------------------------------------------- shared state

  // Called with the lock held.
  private SnapshotPublisher.View view(String service) {
    List<Endpoint> extra = registeredByService.getOrDefault(service, List.of());
    boolean known = document.services().containsKey(service) || !extra.isEmpty();
    return new SnapshotPublisher.View(known, document.mesh(), document.service(service).withExtraEndpoints(extra));
  }

  // Called with the lock held.
  private void rebuildRegistered() {
    Map<String, Registered> all = new TreeMap<>(others);
    for (Map.Entry<String, OwnRegistration> e : own.entrySet()) {
      all.put(e.getKey(), new Registered(e.getValue().service, instanceId, e.getValue().endpoint));
    }
    Map<String, List<RegisteredEndpoints.Entry>> byService = new HashMap<>();
    for (Registered r : all.values()) {
      byService.computeIfAbsent(r.service(), s -> new ArrayList<>())
          .add(new RegisteredEndpoints.Entry(r.owner(), r.endpoint()));
    }
    Map<String, List<Endpoint>> merged = new HashMap<>();
    byService.forEach((service, entries) -> merged.put(service, RegisteredEndpoints.merge(entries)));
    registeredByService = merged;
  }

  /**
   * Who made a registration, from its id ({@code <registry id>.<sequence>}): registrations of
   * one owner with named ports and the same host are merged. An id without a sequence (a file
   * of an older version) is its own owner.
   */
  static String owner(String id) {
    int dot = id.indexOf('.');
    return dot > 0 ? id.substring(0, dot) : id;
  }

  static String endpointYaml(Endpoint endpoint) {
    return RegisteredEndpoints.yaml(endpoint);
  }

  private static void writeAtomically(Path target, String text) throws IOException {
    Path tmp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("Registry {}: cannot delete registration {}: {}", path, file, e.toString());
    }
  }

  private record Registered(String service, String owner, Endpoint endpoint) {}

  /** A registration file as last read: its content and what it announces (null if malformed). */
  private record RegistrationFile(String content, Registered registered) {}

  private final class OwnRegistration implements Registration {
    final String service;
    final Endpoint endpoint;
    final String fileName;
    final Path file;

    OwnRegistration(String service, Endpoint endpoint, String fileName) {
      this.service = service;
      this.endpoint = endpoint;
      this.fileName = fileName;
      this.file = registrationFolder.resolve(fileName);
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
      publisher.change(() -> {
        if (own.remove(fileName) == null) return;
        deleteQuietly(file);
        rebuildRegistered();
      });
    }

    @Override
    public String toString() {
      return "Registration[" + service + " at " + endpoint.address() + ", " + file + "]";
    }
  }

  /**
   * Builds a {@link FileRegistry}. Defaults: poll every 250 ms, registrations live 10 s
   * without renewal, meters kept in a private registry.
   */
  public static final class Builder {
    private final Path path;
    private Duration pollInterval = DEFAULT_POLL_INTERVAL;
    private Duration registrationTtl = DEFAULT_REGISTRATION_TTL;
    private MeterRegistry meterRegistry;

    private Builder(Path path) {
      this.path = Objects.requireNonNull(path, "path");
    }

    /** How often the files are checked for changes; default 250 ms. */
    public Builder pollInterval(Duration v) {
      this.pollInterval = positive("pollInterval", v);
      return this;
    }

    /**
     * How long a registration counts without renewal; the owner renews every third of it.
     * Default 10 s.
     */
    public Builder registrationTtl(Duration v) {
      this.registrationTtl = positive("registrationTtl", v);
      if (v.toMillis() < 3) {
        throw new IllegalArgumentException("registrationTtl: " + v + " (expected: at least 3 ms)");
      }
      return this;
    }

    /** Where {@code mesh.registry.updates} is counted; default a private registry. */
    public Builder meterRegistry(MeterRegistry v) {
      this.meterRegistry = Objects.requireNonNull(v, "meterRegistry");
      return this;
    }

    /**
     * Reads the documents and starts watching them.
     *
     * @throws IllegalArgumentException if the path does not exist
     * @throws InvalidDocumentException if the documents are invalid (with file and line)
     * @throws UncheckedIOException if they cannot be read
     */
    public FileRegistry build() {
      if (!Files.exists(path)) {
        throw new IllegalArgumentException(
            "registry path: " + path.toAbsolutePath() + " does not exist (expected: a YAML file or a folder of them)");
      }
      return new FileRegistry(this);
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
