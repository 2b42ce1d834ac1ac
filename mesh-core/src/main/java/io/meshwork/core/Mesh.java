package io.meshwork.core;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.meshwork.core.internal.DecisionLog;
import io.meshwork.core.internal.DefaultTelemetry;
import io.meshwork.core.internal.DestinationState;
import io.meshwork.core.internal.EngineRuntime;
import io.meshwork.core.internal.InboundCallers;
import io.meshwork.core.internal.Listeners;
import io.meshwork.core.internal.MeshAccess;
import io.meshwork.core.internal.OwnedMeters;
import io.meshwork.core.internal.PeakEwma;
import io.meshwork.core.inbound.InboundCaller;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.Registration;
import io.meshwork.core.registry.Registry;
import io.meshwork.core.registry.Watch;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * The mesh as seen from one process: who this service is, where the registry is, and the
 * {@link Destination}s it calls. Create one per process with {@link #builder()}, share it, and
 * close it on shutdown. Transports (mesh-http, mesh-grpc) take a {@code Mesh} and do the rest.
 *
 * <pre>{@code
 * Mesh mesh = Mesh.builder()
 *     .serviceName("frontend")
 *     .registry(FileRegistry.builder(Path.of("mesh.yaml")).build())
 *     .meterRegistry(prometheusRegistry)
 *     .build();
 * }</pre>
 *
 * <p>Thread-safe. {@link #destination(String)} is a cache hit after the first call for a
 * service (Caffeine); destinations follow the registry live.
 */
public final class Mesh implements AutoCloseable {
  static {
    MeshAccess.install(mesh -> mesh.runtime);
  }

  private final String serviceName;
  private final String zone;
  private final Registry registry;
  private final MeterRegistry meterRegistry;
  private final OpenTelemetry openTelemetry;
  private final Ticker ticker;
  private final EngineRuntime runtime;
  private final Cache<String, DestinationState> destinations;
  /** Registry watches of names asked about that were not (yet) services; bounded, no meters. */
  private final Cache<String, Watch> probes;
  /** Null when the mesh speaks plaintext only. */
  private final WorkloadIdentity identity;
  private volatile boolean closed;
  private final Listeners allListeners;
  private final Listeners perCallListeners;
  /** Named ports every registration of this mesh carries ({@link #announcePort}). */
  private final Map<String, Integer> announcedPorts = new LinkedHashMap<>();
  /** This mesh's live registrations, re-made when a port is announced. */
  private final List<AnnouncingRegistration> registrations = new ArrayList<>();

  private Mesh(Builder b) {
    this.serviceName = ServiceConfig.checkName(b.serviceName);
    this.zone = b.zone;
    this.registry = Objects.requireNonNull(b.registry, "registry: null (expected: a Registry, e.g. FileRegistry or InMemoryRegistry)");
    this.meterRegistry = b.meterRegistry;
    this.openTelemetry = b.openTelemetry != null ? b.openTelemetry : DefaultTelemetry.resolve();
    this.ticker = b.ticker;
    List<MeshEventListener> listeners = new ArrayList<>(b.listeners);
    listeners.add(0, new DecisionLog(ticker));
    List<MeshEventListener> perCall = new ArrayList<>(b.listeners);
    // Picks are logged (sampled) only when meshwork.decisions is at DEBUG as the mesh starts:
    // otherwise the call path skips per-call events entirely while no listener wants them.
    if (DecisionLog.debugEnabled()) perCall.add(0, listeners.get(0));
    this.allListeners = new Listeners(listeners);
    this.perCallListeners = new Listeners(perCall);
    this.runtime = new EngineRuntime(serviceName, zone, ticker, b.random, allListeners,
        new OwnedMeters(meterRegistry), b.percentileHistograms, b.ewmaDecay.toNanos(),
        perCallListeners, new InboundCallers(ticker));
    this.destinations = Caffeine.newBuilder().build();
    this.probes = Caffeine.newBuilder()
        .maximumSize(10_000)
        .expireAfterAccess(Duration.ofMinutes(1))
        .<String, Watch>removalListener((name, watch, cause) -> {
          if (watch != null) watch.close();
        })
        .build();
    if (b.identity == null) {
      this.identity = null;
    } else {
      WorkloadIdentity made;
      try {
        made = Objects.requireNonNull(b.identity.apply(this), "identity: the factory returned null");
      } catch (RuntimeException e) {
        runtime.meters().close();
        throw e;
      }
      this.identity = made;
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The destination for {@code service}, created on first use and kept live from the registry.
   * An unknown service is not an error here: its calls fail with {@link NoEndpointsException}
   * until the registry names it.
   *
   * @throws IllegalArgumentException when {@code service} is not a valid service name
   * @throws IllegalStateException when the mesh is closed
   */
  public Destination destination(String service) {
    if (closed) throw new IllegalStateException("mesh of " + serviceName + " is closed");
    DestinationState d = destinations.getIfPresent(service);
    if (d != null) return d;
    ServiceConfig.checkName(service);
    return destinations.get(service, name -> {
      DestinationState state = new DestinationState(name, runtime);
      state.attach(registry.watch(name, state));
      return state;
    });
  }

  /**
   * The destinations this mesh has made so far ({@link #destination(String)}, or {@link
   * #findDestination(String)} for a service), sorted by service name: for operators' views such
   * as an admin endpoint, which must show what the process calls without making destinations
   * itself. A copy; not for the call path.
   */
  public List<Destination> destinations() {
    List<Destination> out = new ArrayList<>(destinations.asMap().values());
    out.sort(Comparator.comparing(Destination::service));
    return List.copyOf(out);
  }

  /**
   * Who calls this service: per verified caller identity (the SPIFFE ID of the client
   * certificate), the requests the inbound guards of this mesh accepted and refused (by rule),
   * and when the caller was last seen; calls without an identity under {@value
   * InboundCaller#ANONYMOUS}. Bounded: identities beyond the first {@value
   * InboundCaller#MAX_CALLERS} count together under {@value InboundCaller#OTHER}. Most requests
   * first. Recording costs the request path a hash lookup and a counter increment; this copy is
   * for operators, not for the call path.
   */
  public List<InboundCaller> inboundCallers() {
    return runtime.inboundCallers().snapshot();
  }

  /**
   * The destination for {@code name} if the registry knows a service of that name, else empty.
   * For transports that must tell mesh services from other hosts on every request
   * ({@code http://greeter/} versus {@code http://api.example.com/}): unlike
   * {@link #destination(String)}, asking about a name that is not a service creates no
   * destination and no meters; the answer follows the registry (a name that becomes a service
   * is found within the registry's own delay). Cost after the first ask: a cache hit.
   */
  public Optional<Destination> findDestination(String name) {
    if (closed) throw new IllegalStateException("mesh of " + serviceName + " is closed");
    DestinationState d = destinations.getIfPresent(name);
    // A destination asked for by name (destination(name)) for a service the registry does not
    // know does not make the name a service here: the answer follows the registry alone.
    if (d != null && d.snapshot().known()) return Optional.of(d);
    if (!isServiceName(name)) return Optional.empty();
    Watch probe = probes.get(name, n -> registry.watch(n, snapshot -> {}));
    if (!probe.current().known()) return Optional.empty();
    probes.invalidate(name);
    return Optional.of(destination(name));
  }

  /**
   * The service the registry names that {@code name}, which it does not name, is likely a
   * misspelling of (within two edits), or empty. Transports use it to fail a call to
   * {@code http://invntory/} with "did you mean inventory?" instead of sending it elsewhere.
   * Not for the call path of known services: it reads the registry's list of names.
   */
  public Optional<String> misspelledService(String name) {
    if (closed) throw new IllegalStateException("mesh of " + serviceName + " is closed");
    java.util.Set<String> known = registry.serviceNames();
    if (known.contains(name)) return Optional.empty();
    return io.meshwork.core.internal.Suggestions.closest(name, known);
  }

  private static boolean isServiceName(String name) {
    try {
      ServiceConfig.checkName(name);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Announces an endpoint of this service in the registry, e.g. a server that just started
   * listening; closing the registration withdraws it.
   */
  public Registration register(Endpoint endpoint) {
    Objects.requireNonNull(endpoint, "endpoint");
    synchronized (registrations) {
      AnnouncingRegistration r = new AnnouncingRegistration(endpoint);
      r.current = registry.register(serviceName, withAnnounced(endpoint));
      registrations.add(r);
      return r;
    }
  }

  /**
   * Adds the named port {@code name} to every registration of this mesh, those made so far
   * (withdrawn and made again with it) and those to come: how a process's admin server
   * ({@code "admin"}) lets the rest of the mesh find it. A port the endpoint already names is
   * kept. Closing the returned subscription takes the port back off them the same way (when it
   * is still the one announced under {@code name}). Not for the call path.
   *
   * @throws IllegalArgumentException when {@code name} is not a valid port name or {@code port}
   *     is not 1 to 65535
   */
  public Subscription announcePort(String name, int port) {
    Endpoint.checkPortName(name);
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("port of " + name + ": " + port + " (expected: 1 to 65535)");
    }
    synchronized (registrations) {
      announcedPorts.put(name, port);
      reregister();
    }
    return () -> {
      synchronized (registrations) {
        if (announcedPorts.remove(name, port)) reregister();
      }
    };
  }

  /** Re-makes each registration whose endpoint differs from its own plus the announced ports. */
  private void reregister() {
    for (AnnouncingRegistration r : registrations) {
      Endpoint next = withAnnounced(r.endpoint);
      if (next.equals(r.current.endpoint())) continue;
      Registration old = r.current;
      r.current = registry.register(serviceName, next); // the new one first: never a gap
      old.close();
    }
  }

  private Endpoint withAnnounced(Endpoint endpoint) {
    if (announcedPorts.isEmpty()) return endpoint;
    Map<String, Integer> ports = new LinkedHashMap<>(endpoint.ports());
    announcedPorts.forEach(ports::putIfAbsent);
    if (ports.size() == endpoint.ports().size()) return endpoint;
    return new Endpoint(endpoint.address(), endpoint.zone(), endpoint.weight(), endpoint.labels(), ports);
  }

  /** A registration that {@link #announcePort} can re-make; the caller sees one registration. */
  private final class AnnouncingRegistration implements Registration {
    private final Endpoint endpoint;
    private Registration current; // guarded by registrations
    private boolean closed;

    AnnouncingRegistration(Endpoint endpoint) {
      this.endpoint = endpoint;
    }

    @Override
    public String service() {
      return serviceName;
    }

    @Override
    public Endpoint endpoint() {
      synchronized (registrations) {
        return current.endpoint();
      }
    }

    @Override
    public void close() {
      synchronized (registrations) {
        if (closed) return;
        closed = true;
        registrations.remove(this);
        current.close();
      }
    }
  }

  /**
   * Adds a listener to the running mesh: it sees every decision from now on, like one given to
   * {@link Builder#addListener}, until the returned subscription is closed. For tools that attach
   * after the mesh is built, such as an admin server. A listener runs on the thread that drove
   * the decision (often a request thread), so it must be quick and must not block.
   */
  public Subscription addListener(MeshEventListener listener) {
    Objects.requireNonNull(listener, "listener");
    allListeners.add(listener);
    perCallListeners.add(listener);
    return () -> {
      perCallListeners.remove(listener);
      allListeners.remove(listener);
    };
  }

  /** This service's name. */
  public String serviceName() {
    return serviceName;
  }

  /** This process's zone, or "" when not set. */
  public String zone() {
    return zone;
  }

  public Registry registry() {
    return registry;
  }

  /**
   * Where this mesh's meters go: the builder's {@link Builder#meterRegistry}, or Micrometer's
   * global registry. The meters are removed from it when the mesh closes.
   */
  public MeterRegistry meterRegistry() {
    return meterRegistry;
  }

  /**
   * What transports trace with: the tracer provider their spans come from and the propagators
   * that read and write trace headers. See {@link Builder#openTelemetry} for the default.
   */
  public OpenTelemetry openTelemetry() {
    return openTelemetry;
  }

  public Ticker ticker() {
    return ticker;
  }

  /**
   * The identity this mesh speaks mutual TLS as ({@link Builder#identity}); empty when it has
   * none, in which case clients and servers built from the mesh speak plaintext, and fail while
   * the registry's TLS mode is strict.
   */
  public Optional<WorkloadIdentity> identity() {
    return Optional.ofNullable(identity);
  }

  /**
   * The mesh-wide settings in force (trust domain, TLS mode), as the registry's document says
   * now. Reads the registry: for set-up code, not for the call path.
   */
  public MeshSettings settings() {
    MeshSettings[] seen = new MeshSettings[1];
    try (Watch w = registry.watch(serviceName, snapshot -> {
      if (seen[0] == null) seen[0] = snapshot.mesh();
    })) {
      return seen[0] != null ? seen[0] : MeshSettings.DEFAULT;
    }
  }

  /**
   * Closes every destination's registry watch, removes this mesh's meters (client and server)
   * from its meter registry, so that a mesh built later in the same JVM registers its own, and
   * closes its {@linkplain #identity() identity}. Does not close the registry itself.
   */
  @Override
  public void close() {
    closed = true;
    destinations.asMap().values().forEach(DestinationState::close);
    destinations.invalidateAll();
    probes.invalidateAll();
    probes.cleanUp();
    runtime.meters().close();
    if (identity != null) identity.close();
  }

  /** Builds a {@link Mesh}. Only the service name and the registry are required. */
  public static final class Builder {
    private String serviceName;
    private String zone = "";
    private Registry registry;
    private MeterRegistry meterRegistry = Metrics.globalRegistry;
    /** {@code null}: the global one, read by {@link #build()}. */
    private OpenTelemetry openTelemetry;
    private Ticker ticker = Ticker.system();
    private Supplier<RandomGenerator> random = ThreadLocalRandom::current;
    private final List<MeshEventListener> listeners = new ArrayList<>();
    private boolean percentileHistograms;
    private Duration ewmaDecay = Duration.ofNanos(PeakEwma.DEFAULT_TAU_NANOS);
    private Function<? super Mesh, ? extends WorkloadIdentity> identity;

    private Builder() {}

    /**
     * The identity the mesh speaks mutual TLS as, made from the mesh when it is built, so that it
     * takes the service name, trust domain and meter registry from it: e.g. {@code
     * MeshTls.developmentCa(folder)} or {@code MeshTls.from(identitySource)} (mesh-tls). Every
     * client, channel and server built from the mesh then uses it as the registry's TLS mode says,
     * and {@link Mesh#close()} closes it. Default none: plaintext only.
     */
    public Builder identity(Function<? super Mesh, ? extends WorkloadIdentity> factory) {
      this.identity = Objects.requireNonNull(factory, "identity");
      return this;
    }

    /** The name of the service this process is (required): its identity and its callers' target. */
    public Builder serviceName(String v) { this.serviceName = v; return this; }

    /** This process's zone; calls prefer endpoints in the same zone. Default: none. */
    public Builder zone(String v) { this.zone = Objects.requireNonNull(v, "zone"); return this; }

    /** Where the mesh document comes from (required). */
    public Builder registry(Registry v) { this.registry = v; return this; }

    /**
     * Where meters go. Pass the application's registry (a {@code PrometheusMeterRegistry},
     * Spring Boot's). Default: Micrometer's global registry, {@code Metrics.globalRegistry}, so
     * that registries added to it (and agents that read it) see the mesh with no wiring. Either
     * way the mesh removes its meters when it {@linkplain Mesh#close closes}, so meshes built one
     * after another in one JVM (tests, restarts) each get their own gauges. Meshes alive at the
     * same time in one registry share meters of the same name and tags; one mesh per process is
     * the supported shape.
     */
    public Builder meterRegistry(MeterRegistry v) { this.meterRegistry = Objects.requireNonNull(v, "meterRegistry"); return this; }

    /**
     * Tracing for transports: the tracer provider of their client and server spans, and the
     * propagators that read trace headers from requests and write them into calls.
     *
     * <p><b>Default: the global OpenTelemetry, with W3C propagation.</b> {@link #build()} reads
     * {@code GlobalOpenTelemetry} as it is then, so the OpenTelemetry Java agent, or an SDK
     * registered with {@code buildAndRegisterGlobal()} before the mesh is built, is used with no
     * wiring; one registered later is not seen. It reads it with {@code
     * GlobalOpenTelemetry.getOrNoop()}, which leaves the global settable (a plain {@code get()}
     * would fix it to the no-op, and a later {@code GlobalOpenTelemetry.set} would throw). Only
     * when the application asked for global autoconfiguration ({@code
     * otel.java.global-autoconfigure.enabled}) and nothing is registered yet does it call {@code
     * GlobalOpenTelemetry.get()}, which runs that autoconfiguration.
     *
     * <p>When the global one propagates nothing (its text-map propagator has no {@code fields()}:
     * the API's no-op, so an application with neither agent nor SDK), the mesh keeps its tracer
     * provider and propagates W3C Trace Context ({@code traceparent}, {@code tracestate}, with
     * {@link io.meshwork.core.inbound.TraceContextPropagator}) and W3C Baggage ({@code baggage})
     * itself. The API alone carries the caller's span context from the inbound request through
     * the handler into its outgoing calls, so a trace passes through the service unchanged, with
     * the same trace id and no spans of its own: tracing headers without app forwarding hold
     * with nothing configured.
     *
     * <p><b>An instance passed here is used as given</b>, propagators included, with no
     * fallback: one that propagates nothing ({@code OpenTelemetry.noop()}, or an SDK built
     * without {@code setPropagators}) reads and writes no trace headers at all. Passing it is
     * where the application states its propagation, and the way to turn trace headers off, so
     * the mesh does not add W3C headers to it, the same as OpenTelemetry's own instrumentations;
     * for W3C propagation with an SDK of your own, give it the propagators (see mesh-http's
     * README).
     */
    public Builder openTelemetry(OpenTelemetry v) { this.openTelemetry = Objects.requireNonNull(v, "openTelemetry"); return this; }

    /** Time source of every rule. Default: {@link Ticker#system()}; tests pass a fake one. */
    public Builder ticker(Ticker v) { this.ticker = Objects.requireNonNull(v, "ticker"); return this; }

    /**
     * Randomness for picks, splits and jitter, asked for on each use. Default:
     * {@code ThreadLocalRandom::current}; tests pass a seeded generator.
     */
    public Builder random(Supplier<RandomGenerator> v) { this.random = Objects.requireNonNull(v, "random"); return this; }

    /** Adds a listener that sees every decision. */
    public Builder addListener(MeshEventListener v) { this.listeners.add(Objects.requireNonNull(v, "listener")); return this; }

    /** Whether request timers publish percentile histograms (for Prometheus). Default false. */
    public Builder percentileHistograms(boolean v) { this.percentileHistograms = v; return this; }

    /** Decay time constant of the peak-EWMA latency estimate. Default 10 s. */
    public Builder ewmaDecay(Duration v) {
      if (v.isNegative() || v.isZero()) throw new IllegalArgumentException("ewmaDecay: " + v + " (expected: positive)");
      this.ewmaDecay = v;
      return this;
    }

    public Mesh build() {
      return new Mesh(this);
    }
  }
}
