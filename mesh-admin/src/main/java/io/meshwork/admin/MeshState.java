package io.meshwork.admin;

import io.meshwork.core.CircuitState;
import io.meshwork.core.CircuitStatus;
import io.meshwork.core.Destination;
import io.meshwork.core.EndpointStatus;
import io.meshwork.core.Mesh;
import io.meshwork.core.RetryBudgetStatus;
import io.meshwork.core.Subscription;
import io.meshwork.core.Ticker;
import io.meshwork.core.WorkloadIdentity;
import io.meshwork.core.inbound.InboundCaller;
import io.meshwork.core.inbound.RefusalKind;
import io.meshwork.core.model.Address;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.Route;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.model.WeightedTarget;
import io.meshwork.core.registry.ConfigProblem;
import io.meshwork.core.registry.RegistryStatus;
import io.meshwork.core.registry.ServiceSnapshot;
import io.meshwork.core.registry.Watch;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What this process's mesh is and sees now, as the {@code state.json} document (schema
 * {@value #SCHEMA}, described field by field in {@code io/meshwork/admin/state-v1.schema.json}):
 * this service and its identity, the registry, every destination the mesh has made (routes,
 * golden metrics, breaker, retry budget, concurrency, endpoints) and the callers of this service.
 *
 * <p>{@link #start(Mesh)} subscribes a listener to the mesh that counts every call per destination
 * (lock-free and allocation-free on the call path) and starts one daemon thread that, once a
 * second, ends a second of the golden window and samples the per-endpoint and per-caller
 * counters, so rates and success rates cover the last {@value GoldenWindow#WINDOW} seconds.
 * Reading the document also catches the window up, so a state read with a stopped sampler (or a
 * test's fake ticker) is as fresh as the ticker says.
 *
 * <p>Cost: {@link #json()} writes directly into a reused buffer; for 100 destinations of 10
 * endpoints it takes a few hundred microseconds of one core (see the module README for the
 * measured figure). Thread-safe; reads are serialized.
 */
public final class MeshState implements AutoCloseable {
  /** The schema name and version that {@code state.json} carries in its {@code schema} field. */
  public static final String SCHEMA = "meshwork.admin.state/1";

  /** The name of the sampler thread. */
  static final String THREAD_NAME = "meshwork-admin-state";
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final Comparator<EndpointStatus> BY_ADDRESS = Comparator
      .comparing((EndpointStatus e) -> e.endpoint().address().host())
      .thenComparingInt(e -> e.endpoint().address().port());

  private final Mesh mesh;
  private final Clock clock;
  private final Ticker ticker;
  private final GoldenRecorder recorder;
  private final AutoCloseable subscription;
  private final Watch ownWatch;
  private final ScheduledExecutorService sampler;
  /** Guarded by this. */
  private final Map<String, CounterRates<Address>> endpointRatesByService = new HashMap<>();
  private final CounterRates<String> callerRates = new CounterRates<>();
  private final long[] scratch = new long[LatencyHistogram.BUCKETS];
  private long nextRotation;
  private StringBuilder buffer = new StringBuilder(4096);
  private volatile ServiceSnapshot own;
  /** This process's admin page, once the admin server has said where it listens. */
  private volatile String ownAdmin;
  private volatile boolean closed;

  private MeshState(Mesh mesh, Clock clock, Ticker ticker, GoldenRecorder recorder,
      AutoCloseable subscription, boolean sample) {
    this.mesh = mesh;
    this.clock = clock;
    this.ticker = ticker;
    this.recorder = recorder;
    this.subscription = subscription;
    this.nextRotation = ticker.nanoTime() + SECOND;
    this.ownWatch = mesh.registry().watch(mesh.serviceName(), snapshot -> own = snapshot);
    if (own == null) own = ownWatch.current();
    if (sample) {
      sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, THREAD_NAME);
        t.setDaemon(true);
        return t;
      });
      sampler.scheduleWithFixedDelay(this::sampleQuietly, 250, 250, TimeUnit.MILLISECONDS);
    } else {
      sampler = null;
    }
  }

  /**
   * Starts watching {@code mesh}: subscribes the golden-metrics listener and starts the sampler
   * (one daemon thread). {@link #close()} undoes both.
   */
  public static MeshState start(Mesh mesh) {
    return start(mesh, Clock.systemUTC(), Ticker.system());
  }

  /**
   * As {@link #start(Mesh)}, with the wall clock of {@code generatedAt} and certificate expiry,
   * and the ticker that times the one-second windows, both replaceable for tests.
   */
  public static MeshState start(Mesh mesh, Clock clock, Ticker ticker) {
    Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(ticker, "ticker");
    GoldenRecorder recorder = new GoldenRecorder();
    Subscription subscription = mesh.addListener(recorder);
    try {
      return new MeshState(mesh, clock, ticker, recorder, subscription::close, true);
    } catch (RuntimeException | Error e) {
      subscription.close();
      throw e;
    }
  }

  /** The {@code state.json} text: UTF-8 JSON, one line. */
  public synchronized String json() {
    sample();
    StringBuilder out = buffer;
    out.setLength(0);
    write(new Json(out));
    String text = out.toString();
    // Keep the buffer sized for the next read, but do not hold on to a freak one.
    if (out.capacity() > 4 * text.length() + 65_536) buffer = new StringBuilder(text.length() + 1024);
    return text;
  }

  /**
   * The same document as {@link #json()}, as unmodifiable ordered maps, lists, strings, {@code
   * Long}s, {@code Double}s, {@code Boolean}s and nulls (what a JSON library serializes into the
   * same text).
   */
  public synchronized Map<String, Object> document() {
    sample();
    TreeWriter tree = new TreeWriter();
    write(tree);
    return tree.root();
  }

  Mesh mesh() {
    return mesh;
  }

  Clock clock() {
    return clock;
  }

  Ticker ticker() {
    return ticker;
  }

  /** This service's own snapshot as the registry last gave it. */
  ServiceSnapshot ownSnapshot() {
    return own;
  }

  /** Stops the sampler and unsubscribes the listener. Idempotent. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    if (sampler != null) sampler.shutdownNow();
    ownWatch.close();
    try {
      subscription.close();
    } catch (Exception e) {
      throw new IllegalStateException("could not unsubscribe the admin state's listener", e);
    }
  }

  private void sampleQuietly() {
    try {
      sample();
    } catch (RuntimeException e) {
      // The next round tries again; the document shows what the last good round saw.
    }
  }

  /**
   * Ends every whole second that passed since the last call (per the ticker): rotates the golden
   * windows and samples the counters. At most a window's worth of seconds is replayed after a
   * long pause.
   */
  synchronized void sample() {
    long now = ticker.nanoTime();
    if (now - nextRotation < 0) return;
    long behind = (now - nextRotation) / SECOND + 1;
    if (behind > GoldenWindow.SLOTS) {
      behind = GoldenWindow.SLOTS;
      nextRotation = now - (GoldenWindow.SLOTS - 1) * SECOND;
    }
    for (long i = 0; i < behind; i++) {
      for (GoldenWindow w : recorder.windows()) w.rotate(scratch);
      nextRotation += SECOND;
    }
    sampleCounters();
  }

  private void sampleCounters() {
    List<Destination> destinations = mesh.destinations();
    for (CounterRates<Address> r : endpointRatesByService.values()) r.beginRound();
    for (Destination d : destinations) {
      CounterRates<Address> rates = endpointRatesByService.computeIfAbsent(d.service(), s -> {
        CounterRates<Address> fresh = new CounterRates<>();
        fresh.beginRound();
        return fresh;
      });
      for (EndpointStatus e : d.endpoints()) {
        rates.sample(e.endpoint().address(), e.attempts(), e.failures());
      }
    }
    for (CounterRates<Address> r : endpointRatesByService.values()) r.endRound();
    endpointRatesByService.keySet().retainAll(destinations.stream().map(Destination::service).toList());
    callerRates.beginRound();
    for (InboundCaller c : mesh.inboundCallers()) {
      callerRates.sample(c.identity(), c.accepted() + c.refusedTotal(), c.refusedTotal());
    }
    callerRates.endRound();
  }

  // --- the document ---------------------------------------------------------------------------

  private void write(DocumentWriter w) {
    Instant now = clock.instant();
    ServiceSnapshot ownSnapshot = own;
    MeshSettings settings = ownSnapshot != null ? ownSnapshot.mesh() : MeshSettings.DEFAULT;
    w.beginObject();
    w.name("schema").value(SCHEMA);
    w.name("generatedAt").value(now.toString());

    w.name("service").beginObject()
        .name("name").value(mesh.serviceName())
        .name("zone").value(mesh.zone())
        .name("trustDomain").value(settings.trustDomain())
        .name("tlsMode").value(settings.tls().documentName())
        .name("admin").value(ownAdmin(ownSnapshot))
        .endObject();

    w.name("identity");
    writeIdentity(w, now);

    List<Destination> destinations = new ArrayList<>(mesh.destinations());
    destinations.sort(Comparator.comparing(Destination::service));
    long version = ownSnapshot != null ? ownSnapshot.version() : 0;
    for (Destination d : destinations) version = Math.max(version, d.snapshot().version());
    w.name("registry");
    writeRegistry(w, version);

    w.name("destinations").beginArray();
    for (Destination d : destinations) writeDestination(w, d);
    w.endArray();

    w.name("inbound").beginObject().name("callers").beginArray();
    for (InboundCaller c : mesh.inboundCallers()) writeCaller(w, c);
    w.endArray().endObject();
    w.endObject();
  }

  /** This process's admin page, when the admin server has told it ({@link #ownAdmin(String)}). */
  private String ownAdmin(ServiceSnapshot ownSnapshot) {
    return ownAdmin;
  }

  /**
   * Tells the state where this process's admin page is ({@code http://127.0.0.1:9901/admin}), for
   * {@code service.admin} and so that the mesh-wide view does not count this process as its own
   * peer. Mesh-core keeps announced ports to itself, so the admin server says it here.
   */
  void ownAdmin(String url) {
    this.ownAdmin = url;
  }

  GoldenRecorder recorder() {
    return recorder;
  }

  private void writeIdentity(DocumentWriter w, Instant now) {
    Optional<WorkloadIdentity> identity = mesh.identity();
    if (identity.isEmpty()) {
      w.nullValue();
      return;
    }
    Optional<Instant> notAfter = Certificates.notAfter(mesh);
    w.beginObject().name("spiffeId").value(identity.get().spiffeId());
    if (notAfter.isPresent()) {
      w.name("notAfter").value(notAfter.get().toString())
          .name("secondsLeft").value(Duration.between(now, notAfter.get()).toSeconds());
    } else {
      w.name("notAfter").nullValue().name("secondsLeft").nullValue();
    }
    w.endObject();
  }

  private void writeRegistry(DocumentWriter w, long seenVersion) {
    RegistryStatus status = mesh.registry().status();
    w.beginObject()
        .name("kind").value(mesh.registry().getClass().getSimpleName())
        .name("source").value(status.source())
        .name("version").value(Math.max(status.version(), seenVersion))
        .name("lastApplied").value(status.lastApplied().map(Instant::toString).orElse(null))
        .name("problems").beginArray();
    for (ConfigProblem p : status.rejected()) {
      w.beginObject()
          .name("source").value(p.source())
          .name("line").value(p.line())
          .name("column").value(p.column())
          .name("field").value(p.field())
          .name("message").value(p.message())
          .endObject();
    }
    w.endArray().name("readProblem").value(status.readProblem().orElse(null)).endObject();
  }

  private void writeDestination(DocumentWriter w, Destination d) {
    ServiceSnapshot s = d.snapshot();
    ServiceConfig config = s.config();
    ClientPolicy client = config.client();
    w.beginObject()
        .name("service").value(d.service())
        .name("known").value(s.known())
        .name("protocol").value(config.protocol().documentName())
        .name("loadBalancer").value(client.loadBalancer().documentName())
        .name("timeout").value(DurationText.format(client.timeout()));

    w.name("routes").beginArray();
    for (Route r : client.routes()) {
      w.beginObject().name("name").value(r.name()).name("matchHeaders");
      writeStrings(w, r.matchHeaders());
      w.name("split").beginArray();
      for (WeightedTarget t : r.split()) {
        w.beginObject().name("to");
        writeStrings(w, t.to());
        w.name("weight").value(t.weight()).endObject();
      }
      w.endArray().endObject();
    }
    w.endArray();

    GoldenWindow.Golden g = recorder.golden(d.service());
    w.name("golden").beginObject()
        .name("windowSeconds").value(g.windowSeconds())
        .name("requestsPerSecond").value(g.requestsPerSecond())
        .name("successRate").value(g.successRate())
        .name("p50Ms").value(g.p50Ms())
        .name("p99Ms").value(g.p99Ms())
        .endObject();

    CircuitStatus circuit = d.circuit();
    w.name("circuit").beginObject().name("state").value(circuitName(circuit.state())).name("probeInMs");
    if (circuit.probeIn().isPresent()) {
      w.value(circuit.probeIn().get().toMillis());
    } else {
      w.nullValue();
    }
    w.endObject();

    RetryBudgetStatus budget = d.retryBudget();
    w.name("retryBudget").beginObject()
        .name("available").value(budget.available())
        .name("ratio").value(budget.ratio())
        .name("minPerSecond").value(budget.minPerSecond())
        .name("ttl").value(DurationText.format(budget.ttl()))
        .name("throttled").value(budget.throttled())
        .name("throttleTokens").value(budget.throttleTokens())
        .name("refusedByBudget").value(budget.refusedByBudget())
        .name("refusedByThrottle").value(budget.refusedByThrottle())
        .endObject();

    w.name("concurrency").beginObject()
        .name("inFlight").value(d.inFlight())
        .name("limit").value(client.maxConcurrentRequests())
        .endObject();

    CounterRates<Address> rates = endpointRatesByService.get(d.service());
    List<EndpointStatus> endpoints = new ArrayList<>(d.endpoints());
    endpoints.sort(BY_ADDRESS);
    w.name("endpoints").beginArray();
    for (EndpointStatus e : endpoints) writeEndpoint(w, e, rates);
    w.endArray();
    w.endObject();
  }

  private void writeEndpoint(DocumentWriter w, EndpointStatus e, CounterRates<Address> rates) {
    Endpoint ep = e.endpoint();
    Address address = ep.address();
    w.beginObject()
        .name("address").value(address.toString())
        .name("zone").value(ep.zone())
        .name("labels");
    writeStrings(w, ep.labels());
    w.name("weight").value(ep.weight())
        .name("state").value(e.ejected() ? "ejected" : e.notServing() ? "not-serving" : "serving")
        .name("ewmaMs").value(e.ewmaLatencyNanos() / 1e6)
        .name("outstanding").value(e.inFlight())
        .name("attempts").value(e.attempts())
        .name("failures").value(e.failures())
        .name("successRate").value(rates == null ? Double.NaN : rates.successRate(address))
        .name("requestsPerSecond").value(rates == null ? Double.NaN : rates.perSecond(address))
        .name("ejectedForMs").value(e.ejectedFor().toMillis())
        .name("ejections").value(e.ejections())
        .name("admin").value(adminUrl(ep))
        .endObject();
  }

  private void writeCaller(DocumentWriter w, InboundCaller c) {
    w.beginObject()
        .name("identity").value(c.identity())
        .name("service").value(callerService(c.identity()))
        .name("accepted").value(c.accepted())
        .name("refusedTotal").value(c.refusedTotal())
        .name("refused").beginObject();
    for (Map.Entry<RefusalKind, Long> r : c.refused().entrySet()) {
      w.key(r.getKey().errorType()).value(r.getValue());
    }
    w.endObject()
        .name("requestsPerSecond").value(callerRates.perSecond(c.identity()))
        .name("sinceLastSeenMs").value(c.sinceLastSeen().toMillis())
        .endObject();
  }

  private static void writeStrings(DocumentWriter w, Map<String, String> map) {
    w.beginObject();
    for (Map.Entry<String, String> e : map.entrySet()) w.key(e.getKey()).value(e.getValue());
    w.endObject();
  }

  private static String circuitName(CircuitState state) {
    return switch (state) {
      case CLOSED -> "closed";
      case OPEN -> "open";
      case HALF_OPEN -> "half-open";
      case DISABLED -> "disabled";
    };
  }

  /**
   * The service a caller's SPIFFE ID names: the last path segment after {@code /sa/} (or after
   * {@code /service/}); null when the identity has neither ({@code anonymous}, {@code other}).
   */
  static String callerService(String identity) {
    for (String marker : new String[] {"/sa/", "/service/"}) {
      int at = identity.lastIndexOf(marker);
      if (at >= 0 && identity.startsWith("spiffe://")) {
        String rest = identity.substring(at + marker.length());
        int slash = rest.lastIndexOf('/');
        return slash >= 0 ? rest.substring(slash + 1) : rest;
      }
    }
    return null;
  }

  /** The admin page an endpoint announces through its {@code admin} named port, or null. */
  static String adminUrl(Endpoint endpoint) {
    var port = endpoint.port("admin");
    if (port.isEmpty()) return null;
    return "http://" + hostForUrl(endpoint.address().host()) + ":" + port.getAsInt() + "/admin";
  }

  private static String hostForUrl(String host) {
    return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
  }
}
