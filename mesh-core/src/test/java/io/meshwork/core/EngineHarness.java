package io.meshwork.core;

import io.meshwork.core.model.Address;
import io.meshwork.core.model.CircuitBreakerPolicy;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.core.registry.ServiceSnapshot;
import io.meshwork.core.testing.FakeTicker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import java.util.random.RandomGenerator;

/**
 * A mesh wired for engine tests: an {@link InMemoryRegistry}, a {@link FakeTicker}, seeded
 * randomness, a {@link SimpleMeterRegistry} and a {@link RecordingListener}. Nothing sleeps and
 * nothing reads the system clock, so every run with the same seed takes the same decisions.
 */
final class EngineHarness implements AutoCloseable {
  static final String SERVICE = "greeter";
  static final long MILLIS = 1_000_000L;
  static final long SECONDS = 1_000_000_000L;

  final FakeTicker ticker = new FakeTicker();
  final InMemoryRegistry registry = InMemoryRegistry.create();
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  final RecordingListener events = new RecordingListener();
  final Mesh mesh;

  /** A harness whose picks, splits and jitter all draw from one generator seeded with {@code seed}. */
  EngineHarness(long seed) {
    this(singleThreaded(seed));
  }

  /** A harness with its own source of randomness (e.g. one seeded generator per thread). */
  EngineHarness(Supplier<RandomGenerator> random) {
    this.mesh = Mesh.builder()
        .serviceName("frontend")
        .registry(registry)
        .meterRegistry(meters)
        .ticker(ticker)
        .random(random)
        .addListener(events)
        .build();
  }

  private static Supplier<RandomGenerator> singleThreaded(long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    return () -> rng;
  }

  /** One seeded generator per thread, seeded from {@code seed} and the order threads first ask. */
  static Supplier<RandomGenerator> perThread(long seed) {
    AtomicLong next = new AtomicLong(seed);
    ThreadLocal<SplittableRandom> local = ThreadLocal.withInitial(() -> new SplittableRandom(next.getAndIncrement()));
    return local::get;
  }

  /** {@code n} endpoints {@code 10.0.0.1:8080} to {@code 10.0.0.n:8080}. */
  static List<Endpoint> endpoints(int n) {
    List<Endpoint> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) out.add(Endpoint.of("10.0.0." + i + ":8080"));
    return out;
  }

  /** A client policy with the breaker off, for tests about other rules that fail many calls. */
  static ClientPolicy.Builder noBreaker() {
    return ClientPolicy.builder().circuitBreaker(new CircuitBreakerPolicy(false, 50, Duration.ofSeconds(20), 20,
        Duration.ofSeconds(10), 5));
  }

  /** Puts {@link #SERVICE} in the registry with these endpoints and policy. */
  EngineHarness service(ClientPolicy policy, List<Endpoint> endpoints) {
    registry.putService(ServiceConfig.builder(SERVICE).endpoints(endpoints).client(policy).build());
    return this;
  }

  Destination destination() {
    return mesh.destination(SERVICE);
  }

  EndpointStatus status(Destination d, Endpoint e) {
    return d.endpoints().stream().filter(s -> s.endpoint().address().equals(e.address())).findFirst().orElseThrow();
  }

  double counter(String name, String... tags) {
    Counter c = meters.find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  long timerCount(String name, String... tags) {
    return meters.find(name).tags(tags).timers().stream().mapToLong(Timer::count).sum();
  }

  /**
   * Drives one call the way a blocking transport does: attempt, answer from {@code server},
   * let the simulated latency pass, complete, follow the decision (sleeping a RETRY's backoff
   * on the fake ticker).
   */
  CallResult drive(Destination d, MeshRequest request, Function<Endpoint, Outcome> server, long latencyNanos) {
    List<Endpoint> tried = new ArrayList<>();
    try (Call call = d.newCall(request)) {
      while (true) {
        Attempt a = call.nextAttempt();
        tried.add(a.endpoint());
        Outcome o = server.apply(a.endpoint());
        ticker.advanceNanos(latencyNanos);
        Decision decision = a.complete(o);
        if (decision.isRetry()) {
          ticker.advanceNanos(decision.backoffNanos());
          continue;
        }
        return new CallResult(call.route(), tried, decision.isDone() ? o : null, decision.failure());
      }
    } catch (MeshException e) {
      return new CallResult(null, tried, null, e);
    }
  }

  @Override
  public void close() {
    mesh.close();
    registry.close();
  }

  /** What one driven call came to: the endpoints its attempts went to, its outcome or failure. */
  record CallResult(String route, List<Endpoint> tried, Outcome outcome, MeshException failure) {
    Endpoint last() {
      return tried.isEmpty() ? null : tried.get(tried.size() - 1);
    }
  }

  /**
   * A discrete-event driver, after Finagle's balancer simulations: requests arrive at a fixed
   * rate; each attempt's completion is an event at its send time plus the endpoint's latency;
   * a retry is an event after its backoff. Events run in time order, the fake ticker jumping to
   * each, so attempts overlap in time (the balancer sees outstanding requests) while one thread
   * does everything.
   */
  final class Simulation {
    private final Destination dest;
    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private long seq;
    Function<Endpoint, Outcome> server = e -> Outcome.http(200);
    ToLongFunction<Endpoint> latencyNanos = e -> MILLIS;
    Supplier<MeshRequest> requests = () -> MeshRequest.EMPTY_IDEMPOTENT;

    final Map<Address, LongAdder> attemptsTo = new ConcurrentHashMap<>();
    long calls;
    long attempts;
    long retries;
    long done;
    final Map<Class<?>, Long> failures = new ConcurrentHashMap<>();
    final List<MeshException> failureSamples = new ArrayList<>();
    final List<String> retryViolations = new ArrayList<>();

    Simulation(Destination dest) {
      this.dest = dest;
    }

    /** Schedules {@code count} arrivals, one every {@code 1e9 / ratePerSecond} ns from now. */
    Simulation arrivals(double ratePerSecond, long count) {
      long start = ticker.nanoTime();
      for (long i = 0; i < count; i++) {
        at(start + (long) (i * 1e9 / ratePerSecond), this::arrive);
      }
      return this;
    }

    /** Runs every event in time order, until none is left. */
    Simulation run() {
      Event e;
      while ((e = queue.poll()) != null) {
        long now = ticker.nanoTime();
        if (e.at > now) ticker.advanceNanos(e.at - now);
        e.action.run();
      }
      return this;
    }

    long attemptsTo(Endpoint e) {
      LongAdder a = attemptsTo.get(e.address());
      return a == null ? 0 : a.sum();
    }

    private void at(long when, Runnable action) {
      queue.add(new Event(when, seq++, action));
    }

    private void arrive() {
      Call call;
      try {
        call = dest.newCall(requests.get());
      } catch (MeshException rejected) {
        fail(rejected);
        return;
      }
      calls++;
      send(call);
    }

    private void send(Call call) {
      Attempt a;
      try {
        a = call.nextAttempt();
      } catch (MeshException e) {
        call.close();
        fail(e);
        return;
      }
      attempts++;
      attemptsTo.computeIfAbsent(a.endpoint().address(), k -> new LongAdder()).increment();
      long latency = latencyNanos.applyAsLong(a.endpoint());
      Outcome outcome = server.apply(a.endpoint());
      at(ticker.nanoTime() + latency, () -> {
        Decision d = a.complete(outcome);
        if (d.isRetry()) {
          retries++;
          long now = ticker.nanoTime();
          if (now + d.backoffNanos() - a.deadline().nanoTime() >= 0) {
            retryViolations.add("retry at " + now + " + " + d.backoffNanos() + "ns passes " + a.deadline());
          }
          at(now + d.backoffNanos(), () -> send(call));
        } else {
          call.close();
          if (d.isDone()) done++;
          else fail(d.failure());
        }
      });
    }

    private void fail(MeshException e) {
      failures.merge(e.getClass(), 1L, Long::sum);
      if (failureSamples.size() < 10) failureSamples.add(e);
    }
  }

  private record Event(long at, long seq, Runnable action) implements Comparable<Event> {
    @Override
    public int compareTo(Event o) {
      int c = Long.compare(at, o.at);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }

  /** Records every decision the engine reports. Thread-safe. */
  static final class RecordingListener implements MeshEventListener {
    record Ejection(Endpoint endpoint, long durationNanos, int inRow) {}

    final Map<Address, LongAdder> attemptsStarted = new ConcurrentHashMap<>();
    final LongAdder attemptsCompleted = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder budgetExhausted = new LongAdder();
    final LongAdder callsCompleted = new LongAdder();
    final List<MeshException> rejections = Collections.synchronizedList(new ArrayList<>());
    final List<Ejection> ejections = Collections.synchronizedList(new ArrayList<>());
    final List<Endpoint> readmissions = Collections.synchronizedList(new ArrayList<>());
    final List<String> circuitTransitions = Collections.synchronizedList(new ArrayList<>());
    final List<ServiceSnapshot> snapshots = Collections.synchronizedList(new ArrayList<>());

    long attemptsStarted() {
      return attemptsStarted.values().stream().mapToLong(LongAdder::sum).sum();
    }

    long attemptsStarted(Endpoint e) {
      LongAdder a = attemptsStarted.get(e.address());
      return a == null ? 0 : a.sum();
    }

    void reset() {
      attemptsStarted.clear();
    }

    @Override
    public void onCallRejected(String service, MeshException reason) {
      rejections.add(reason);
    }

    @Override
    public void onAttemptStarted(String service, Endpoint endpoint, int attempt) {
      attemptsStarted.computeIfAbsent(endpoint.address(), k -> new LongAdder()).increment();
    }

    @Override
    public void onAttemptCompleted(String service, Endpoint endpoint, int attempt, Outcome outcome, long latencyNanos) {
      attemptsCompleted.increment();
    }

    @Override
    public void onRetry(String service, int nextAttempt, long backoffNanos, Outcome lastOutcome) {
      retries.increment();
    }

    @Override
    public void onRetryBudgetExhausted(String service, Outcome lastOutcome) {
      budgetExhausted.increment();
    }

    @Override
    public void onCallCompleted(String service, String route, Outcome outcome, MeshException failure, int attempts,
        long durationNanos) {
      callsCompleted.increment();
    }

    @Override
    public void onEjected(String service, Endpoint endpoint, long durationNanos, int ejectionsInRow) {
      ejections.add(new Ejection(endpoint, durationNanos, ejectionsInRow));
    }

    @Override
    public void onReadmitted(String service, Endpoint endpoint) {
      readmissions.add(endpoint);
    }

    @Override
    public void onCircuitStateChanged(String service, CircuitState from, CircuitState to) {
      circuitTransitions.add(from + "->" + to);
    }

    @Override
    public void onSnapshotApplied(String service, ServiceSnapshot snapshot) {
      snapshots.add(snapshot);
    }
  }
}
