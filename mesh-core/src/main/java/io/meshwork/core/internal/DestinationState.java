package io.meshwork.core.internal;

import io.meshwork.core.Call;
import io.meshwork.core.CircuitOpenException;
import io.meshwork.core.CircuitState;
import io.meshwork.core.CircuitStatus;
import io.meshwork.core.ConcurrencyLimitException;
import io.meshwork.core.Deadline;
import io.meshwork.core.DeadlineExceededException;
import io.meshwork.core.Destination;
import io.meshwork.core.EndpointStatus;
import io.meshwork.core.MeshContext;
import io.meshwork.core.MeshException;
import io.meshwork.core.MeshRequest;
import io.meshwork.core.RetryBudgetStatus;
import io.meshwork.core.model.RetryBudgetPolicy;
import io.meshwork.core.model.Address;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.registry.ServiceListener;
import io.meshwork.core.registry.ServiceSnapshot;
import io.meshwork.core.registry.Watch;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The engine's state for one destination service: the current {@link Plan}, in-flight count,
 * ejection bookkeeping and meters. Registry updates arrive on the registry's thread through
 * {@link #onUpdate} (serialized there), build a new plan, and publish it with one volatile
 * write; the call path only reads it.
 *
 * <p>The order of concerns for a call is fixed here and in {@link RealCall}, not assembled by
 * users: deadline (cheapest, and a call already late must not take anything), routing (pure),
 * admission (concurrency slot, then breaker permission, so a refused permission never holds a
 * slot), then per attempt: pick, send, classify, retry decision.
 */
public final class DestinationState implements Destination, ServiceListener {
  private static final long SWEEP_INTERVAL_NANOS = 500_000_000L;

  final String service;
  final EngineRuntime rt;
  private volatile Plan plan;
  private volatile Watch watch;

  /** Calls admitted and not ended, against maxConcurrentRequests; striped, see the class. */
  final ConcurrencyLimit limit = new ConcurrencyLimit();
  final AtomicInteger ejectedCount = new AtomicInteger();
  private final AtomicLong nextSweepNanos = new AtomicLong();
  private final Map<Address, EndpointState> states = new HashMap<>(); // registry thread only
  private final Map<String, RouteMeters> routeMeters = new HashMap<>(); // registry thread only

  // Meters resolved once.
  final Counter attemptSuccess;
  final Counter attemptFailure;
  /** Retries refused by the budget's window ({@code reason=budget}). */
  final Counter budgetExhausted;
  /** Retries refused by the budget's throttle ({@code reason=throttle}). */
  final Counter budgetThrottled;
  /** Retries refused by the window and by the throttle, for {@link #retryBudget()}; rare path. */
  final LongAdder refusedByBudget = new LongAdder();
  final LongAdder refusedByThrottle = new LongAdder();
  final Counter ejections;
  private final AtomicReferenceArray<Counter> retries = new AtomicReferenceArray<>(Slots.COUNT);

  public DestinationState(String service, EngineRuntime rt) {
    this.service = service;
    this.rt = rt;
    OwnedMeters m = rt.meters();
    this.attemptSuccess = m.counter(Counter.builder("mesh.client.attempts").tag("service", service)
        .tag("outcome", "success").description("Attempts sent, retries included"));
    this.attemptFailure = m.counter(Counter.builder("mesh.client.attempts").tag("service", service)
        .tag("outcome", "failure").description("Attempts sent, retries included"));
    this.budgetExhausted = m.counter(Counter.builder("mesh.client.retry.budget.exhausted").tag("service", service)
        .tag("reason", "budget").description("Retries refused by the retry budget"));
    this.budgetThrottled = m.counter(Counter.builder("mesh.client.retry.budget.exhausted").tag("service", service)
        .tag("reason", "throttle").description("Retries refused by the retry budget"));
    this.ejections = m.counter(Counter.builder("mesh.client.ejections").tag("service", service)
        .description("Endpoints ejected by outlier detection"));
    m.gauge(Gauge.builder("mesh.client.endpoints", this, d -> d.endpointCount(false))
        .tag("service", service).tag("state", "healthy"));
    m.gauge(Gauge.builder("mesh.client.endpoints", this, d -> d.endpointCount(true))
        .tag("service", service).tag("state", "ejected"));
    for (CircuitState s : CircuitState.values()) {
      m.gauge(Gauge.builder("mesh.client.circuit.state", this, d -> d.circuitState() == s ? 1 : 0)
          .tag("service", service).tag("state", s.name().toLowerCase(java.util.Locale.ROOT)));
    }
    m.gauge(Gauge.builder("mesh.client.inflight", limit, ConcurrencyLimit::inFlight).tag("service", service)
        .description("Calls admitted and not yet ended"));
  }

  /** Attaches the registry watch; its first snapshot is applied before this returns. */
  public void attach(Watch w) {
    this.watch = w;
    if (plan == null) {
      onUpdate(w.current());
    }
  }

  public void close() {
    Watch w = watch;
    if (w != null) w.close();
  }

  // ---- Registry side -------------------------------------------------------------------

  @Override
  public synchronized void onUpdate(ServiceSnapshot snapshot) {
    // Registry thread (or the attaching thread): never the call path; the lock only orders
    // updates against each other.
    long now = rt.ticker().nanoTime();
    ClientPolicy policy = snapshot.config().client();
    Plan old = plan;

    Map<Address, EndpointState> next = new LinkedHashMap<>();
    for (Endpoint e : snapshot.config().endpoints()) {
      EndpointState s = states.get(e.address());
      if (s == null) {
        s = new EndpointState(e, now);
      } else {
        s.update(e);
      }
      next.put(e.address(), s);
    }
    states.clear();
    states.putAll(next);
    if (!policy.healthCheck().enabled()) {
      // Checking switched off: no checker reports any more, so no endpoint may stay out on an old report.
      for (EndpointState s : next.values()) s.notServing = false;
    }
    EndpointState[] all = next.values().toArray(new EndpointState[0]);
    int marked = 0;
    for (EndpointState s : all) if (s.ejectionMarked()) marked++;
    ejectedCount.set(marked);

    boolean zonePref = policy.zonePreference().enabled() && !rt.localZone().isEmpty();
    RouteTarget fallback = target(Router.DEFAULT_ROUTE, Map.of(), all, zonePref);
    // The success series of the default route exists from first use, so a dashboard shows 0
    // rather than no series before the first call (a no-op once the timer exists).
    fallback.meters.timer(Slots.success(snapshot.config().protocol()));
    Router router = new Router(policy.routes(), fallback, (route, selector) -> {
      List<EndpointState> chosen = new ArrayList<>();
      for (EndpointState s : all) if (s.endpoint().matches(selector)) chosen.add(s);
      return target(route, selector, chosen.toArray(new EndpointState[0]), zonePref);
    });

    LoadBalancer balancer = old != null && old.policy.loadBalancer() == policy.loadBalancer()
        ? old.balancer : Balancers.forKind(policy.loadBalancer());
    RetryBudget budget = old != null && old.budget.policy().equals(policy.retryBudget())
        ? old.budget : new RetryBudget(policy.retryBudget());
    Breaker breaker = old != null && old.breaker.policy().equals(policy.circuitBreaker())
        ? old.breaker
        : new Breaker(service, policy.circuitBreaker(), rt.ticker(),
            (from, to) -> rt.listener().onCircuitStateChanged(service, from, to));
    RetryClassifier classifier = old != null && old.policy.retries().equals(policy.retries())
        ? old.classifier : new RetryClassifier(policy.retries());

    Plan built = new Plan(this, snapshot, all, router, balancer, classifier, budget, breaker, zonePref);
    router.targets().forEach(t -> t.plan = built);
    if (built.ringHash) {
      // Build the hash rings here, on the registry thread, not on the first pick of a request.
      router.targets().forEach(t -> {
        RingHashBalancer.ring(t.all);
        if (t.local != null) RingHashBalancer.ring(t.local);
      });
    }
    plan = built;
    rt.listener().onSnapshotApplied(service, snapshot);
  }

  private RouteTarget target(String route, Map<String, String> selector, EndpointState[] chosen, boolean zonePref) {
    Subset all = new Subset(chosen);
    Subset local = null;
    if (zonePref) {
      List<EndpointState> inZone = new ArrayList<>();
      for (EndpointState s : chosen) if (rt.localZone().equals(s.endpoint().zone())) inZone.add(s);
      if (!inZone.isEmpty() && inZone.size() < chosen.length) {
        local = new Subset(inZone.toArray(new EndpointState[0]));
      }
    }
    RouteMeters meters = routeMeters.computeIfAbsent(route,
        r -> new RouteMeters(rt.meters(), service, r, rt.histograms()));
    return new RouteTarget(route, selector.isEmpty() ? "all endpoints" : selector.toString(), all, local, meters);
  }

  // ---- Call side -------------------------------------------------------------------------

  @Override
  public Call newCall(MeshRequest request) {
    long now = rt.ticker().nanoTime();
    return newCall(request, now, now);
  }

  @Override
  public Call newCall(MeshRequest request, long startNanos) {
    long now = rt.ticker().nanoTime();
    return newCall(request, startNanos - now > 0 ? now : startNanos, now);
  }

  private Call newCall(MeshRequest request, long start, long now) {
    Plan p = plan;
    sweepIfDue(p, now);

    // 1. Deadline: the sooner of the inherited one, the request's own and the policy timeout from
    // the call's start.
    long deadline = start + p.timeoutNanos;
    if (deadline - now <= 0) {
      throw reject(new DeadlineExceededException(service,
          "deadline exceeded before the call reached the mesh (it waited "
              + Durations.format(java.time.Duration.ofNanos(now - start)) + " in the client, policy timeout "
              + Durations.format(java.time.Duration.ofNanos(p.timeoutNanos)) + ")", null, false));
    }
    // The sooner of the inherited deadline and the request's own; a passed one is named as what
    // it is (the earlier of the two when both passed), so the caller learns whose deadline it was.
    Deadline inherited = MeshContext.currentDeadline();
    Deadline own = request.deadline();
    boolean ownSooner = own != null && (inherited == null || own.nanoTime() - inherited.nanoTime() <= 0);
    Deadline caller = ownSooner ? own : inherited;
    if (caller != null) {
      long at = caller.nanoTime();
      if (at - now <= 0) {
        throw reject(new DeadlineExceededException(service,
            "deadline exceeded before the call started (" + (ownSooner ? "the call's deadline" : "inherited deadline")
                + " passed " + Durations.format(java.time.Duration.ofNanos(now - at)) + " ago)", null, false));
      }
      if (at - deadline < 0) deadline = at;
    }

    // 2. Routing.
    RouteTarget target = p.router.select(request, rt.random());

    // 3. Admission: concurrency slot, then breaker permission.
    if (!limit.tryAcquire(p.maxConcurrent)) {
      throw reject(new ConcurrencyLimitException(service,
          "concurrency limit reached (maxConcurrentRequests " + p.maxConcurrent + " calls in flight)"));
    }
    int permit = p.breaker.tryAcquire();
    if (permit == Breaker.REFUSED) {
      limit.release(p.maxConcurrent);
      throw reject(new CircuitOpenException(service, "circuit open (" + p.breaker.describe() + ")"));
    }
    p.budget.deposit(now);

    return new RealCall(target, request, permit, start, now, deadline);
  }

  private MeshException reject(MeshException e) {
    rt.listener().onCallRejected(service, e);
    plan.router.fallback().meters.timer(Slots.of(e)).record(0, java.util.concurrent.TimeUnit.NANOSECONDS);
    return e;
  }

  // ---- Outlier detection -----------------------------------------------------------------

  /**
   * Whether {@code e} may take an attempt now: not reported not serving by a health check, and
   * not ejected; readmits it if its ejection has run out.
   */
  boolean available(EndpointState e, long now) {
    if (e.notServing) return false;
    long until = e.ejectedUntilNanos.get();
    if (until == 0) return true;
    if (now - until < 0) return false;
    readmit(e, until, now);
    return true;
  }

  private void readmit(EndpointState e, long until, long now) {
    if (e.ejectedUntilNanos.compareAndSet(until, 0)) {
      ejectedCount.updateAndGet(c -> Math.max(0, c - 1));
      e.consecutiveFailures.set(0);
      e.readmittedAtNanos = now;
      // What it learnt before the ejection (often a timeout's lower bound of a second or more)
      // would keep a readmitted endpoint from its first pick for tens of seconds of decay: it
      // starts unmeasured instead, gets one probe, and the probe's answer is its estimate.
      e.forgetLatency(now);
      rt.listener().onReadmitted(service, e.endpoint());
    }
  }

  @Override
  public void reportHealth(Address endpoint, boolean serving) {
    Plan p = plan;
    if (endpoint == null || !p.policy.healthCheck().enabled()) return;
    for (EndpointState e : p.endpoints) {
      if (!e.address().equals(endpoint)) continue;
      if (!serving) {
        e.notServing = true;
        return;
      }
      e.notServing = false;
      long until = e.ejectedUntilNanos.get();
      if (until != 0) readmit(e, until, rt.ticker().nanoTime());
      return;
    }
  }

  /** Whether fewer than the panic threshold of endpoints are healthy: then all are used. */
  boolean panic(Plan p) {
    int total = p.endpoints.length;
    if (total == 0 || !p.outlier.enabled()) return false;
    int healthy = total - ejectedCount.get();
    return healthy * 100 < p.outlier.panicThresholdPercent() * total;
  }

  void onAttemptSuccess(EndpointState e) {
    if (e.consecutiveFailures.get() != 0) e.consecutiveFailures.set(0);
  }

  void onAttemptFailure(Plan p, EndpointState e, long now) {
    e.failures.incrementAndGet();
    if (!p.outlier.enabled()) return;
    int n = e.consecutiveFailures.incrementAndGet();
    if (n < p.outlier.consecutiveFailures() || e.ejectedUntilNanos.get() != 0) return;
    int total = p.endpoints.length;
    int allowed = Math.max(1, total * p.outlier.maxEjectedPercent() / 100);
    if (p.outlier.maxEjectedPercent() == 0) return;
    int cur;
    do {
      cur = ejectedCount.get();
      if (cur >= allowed) return;
    } while (!ejectedCount.compareAndSet(cur, cur + 1));
    // A healthy spell longer than the longest ejection forgets earlier ejections.
    long sinceReadmit = now - e.readmittedAtNanos;
    int inRow = e.readmittedAtNanos != 0 && sinceReadmit > p.outlier.maxEjection().toNanos() ? 1 : e.ejectionsInRow + 1;
    long duration = Math.min(p.outlier.baseEjection().toNanos() * inRow, p.outlier.maxEjection().toNanos());
    if (!e.ejectedUntilNanos.compareAndSet(0, Math.max(1, now + duration))) {
      ejectedCount.decrementAndGet();
      return;
    }
    e.ejectionsInRow = inRow;
    e.ejections.incrementAndGet();
    ejections.increment();
    rt.listener().onEjected(service, e.endpoint(), duration, inRow);
  }

  /** Readmits endpoints whose ejection ran out even if no pick has looked at them. */
  private void sweepIfDue(Plan p, long now) {
    long due = nextSweepNanos.get();
    if (now - due < 0 || !nextSweepNanos.compareAndSet(due, now + SWEEP_INTERVAL_NANOS)) return;
    for (EndpointState e : p.endpoints) {
      if (e.ejectedUntilNanos.get() != 0) available(e, now);
    }
  }

  // ---- Metrics helpers ----------------------------------------------------------------

  Counter retryCounter(int slot) {
    Counter c = retries.get(slot);
    if (c == null) {
      c = rt.meters().counter(Counter.builder("mesh.client.retries").tag("service", service)
          .tag("error.type", Slots.label(slot)).description("Retries sent, by the failure that caused them"));
      retries.compareAndSet(slot, null, c);
    }
    return c;
  }

  private double endpointCount(boolean ejected) {
    Plan p = plan;
    if (p == null) return 0;
    long now = rt.ticker().nanoTime();
    int n = 0;
    for (EndpointState e : p.endpoints) if (e.ejectedAt(now) == ejected) n++;
    return n;
  }

  // ---- Destination views --------------------------------------------------------------

  @Override
  public String service() {
    return service;
  }

  @Override
  public ServiceSnapshot snapshot() {
    return plan.snapshot;
  }

  @Override
  public List<EndpointStatus> endpoints() {
    Plan p = plan;
    long now = rt.ticker().nanoTime();
    List<EndpointStatus> out = new ArrayList<>(p.endpoints.length);
    for (EndpointState e : p.endpoints) {
      boolean ejected = e.ejectedAt(now);
      out.add(new EndpointStatus(e.endpoint(), ejected, e.pending(),
          (long) e.costNanos(now, rt.tauNanos()), e.ejections.get(), e.attempts(), e.failures.get(),
          e.notServing(), ejected ? Duration.ofNanos(e.ejectedUntilNanos.get() - now) : Duration.ZERO));
    }
    return List.copyOf(out);
  }

  @Override
  public CircuitState circuitState() {
    return plan.breaker.state();
  }

  @Override
  public CircuitStatus circuit() {
    return plan.breaker.status(rt.ticker().nanoTime());
  }

  @Override
  public int inFlight() {
    return limit.inFlight();
  }

  @Override
  public RetryBudgetStatus retryBudget() {
    RetryBudget b = plan.budget;
    RetryBudgetPolicy policy = b.policy();
    return new RetryBudgetStatus(b.balance(rt.ticker().nanoTime()), policy.ratio(), policy.minPerSecond(),
        policy.ttl(), b.throttled(), refusedByBudget.sum(), refusedByThrottle.sum(),
        policy.throttle().enabled() ? b.throttleTokens() : Double.NaN);
  }

  @Override
  public String toString() {
    return "Destination[" + service + ", " + plan.endpoints.length + " endpoints, inFlight=" + limit.inFlight() + "]";
  }
}
