package io.meshwork.benchmarks;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.meshwork.core.Attempt;
import io.meshwork.core.Call;
import io.meshwork.core.Decision;
import io.meshwork.core.Destination;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshRequest;
import io.meshwork.core.Outcome;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The engine's full per-call path against the Resilience4j chain a team would otherwise write,
 * in the same run.
 *
 * <p>{@code meshCall}: new call (deadline from context and policy, route, concurrency slot,
 * breaker permission, budget deposit) → attempt (P2C peak-EWMA over 10 endpoints) → complete
 * (EWMA, outlier detector, breaker record, attempt counter, request timer). {@code resilience4jChain}:
 * Retry(CircuitBreaker(Bulkhead(call))) with Resilience4j's defaults, decorating a supplier that
 * returns at once. Neither does I/O: this measures the decision cost alone.
 *
 * <p>Run with {@code benchmarks/run.sh engine} ({@code -prof gc} for allocation, {@code -t 1}
 * and {@code -t 2} threads).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EngineBenchmark {
  private static final Outcome OK = Outcome.http(200);
  private static final MeshRequest REQUEST = MeshRequest.of(java.util.Map.of("accept", "text/plain"), true);

  private InMemoryRegistry registry;
  private Mesh mesh;
  private Destination destination;
  private Supplier<Integer> chain;
  private io.micrometer.core.instrument.Timer timer;
  private io.micrometer.core.instrument.Timer chainTimer;
  private io.micrometer.core.instrument.Timer floorTimer;
  /** {@link #requiredFloor}'s three counters, 128 bytes apart like the engine's hot cells. */
  private final AtomicLongArray floorCells = new AtomicLongArray(64);
  private static final int FLOOR_IN_FLIGHT = 16;
  private static final int FLOOR_CALLS = 32;
  private static final int FLOOR_PENDING = 48;

  @Setup(Level.Trial)
  public void setUp() {
    registry = InMemoryRegistry.create();
    registry.putService(ServiceConfig.builder("greeter").endpoints(tenEndpoints()).build());
    mesh = Mesh.builder().serviceName("bench").registry(registry).meterRegistry(new SimpleMeterRegistry()).build();
    destination = mesh.destination("greeter");
    timer = io.micrometer.core.instrument.Timer.builder("reference").register(new SimpleMeterRegistry());
    floorTimer = io.micrometer.core.instrument.Timer.builder("floor.requests").register(new SimpleMeterRegistry());
    chainTimer = io.micrometer.core.instrument.Timer.builder("chain.requests").register(new SimpleMeterRegistry());

    Bulkhead bulkhead = Bulkhead.of("greeter", BulkheadConfig.custom().maxConcurrentCalls(1024)
        .maxWaitDuration(Duration.ZERO).build());
    CircuitBreaker breaker = CircuitBreaker.of("greeter", CircuitBreakerConfig.ofDefaults());
    Retry retry = Retry.of("greeter", RetryConfig.custom().maxAttempts(3).build());
    Supplier<Integer> call = () -> 200;
    chain = Retry.decorateSupplier(retry, CircuitBreaker.decorateSupplier(breaker, Bulkhead.decorateSupplier(bulkhead, call)));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    mesh.close();
    registry.close();
  }

  @Benchmark
  public Decision meshCall() {
    return succeed(destination);
  }

  /** One call as a transport drives it: new call, one attempt, success. */
  static Decision succeed(Destination destination) {
    try (Call call = destination.newCall(REQUEST)) {
      Attempt attempt = call.nextAttempt();
      return attempt.complete(OK);
    }
  }

  /** The ten endpoints of {@code greeter} (never dialled: nothing here does I/O). */
  static List<Endpoint> tenEndpoints() {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      endpoints.add(Endpoint.of("127.0.0.1:" + (18080 + i)));
    }
    return endpoints;
  }

  @Benchmark
  public Integer resilience4jChain() {
    return chain.get();
  }

  /**
   * Context, not the target's baseline: the same chain plus what a team adds to get the mesh's
   * golden request meter, a Micrometer timer around the call (two clock reads and a record).
   * The engine's path includes that meter; the bare chain keeps none.
   */
  @Benchmark
  public Integer resilience4jChainTimed() {
    long start = System.nanoTime();
    Integer result = chain.get();
    chainTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    return result;
  }

  /**
   * The least any engine with the features must do per call, and nothing else, each
   * step named by the requirement that forces it:
   * <ul>
   *   <li>a clock read at the start: the deadline (policy timeout from now), and the latency's
   *       start, shared;
   *   <li>a shared count of calls in flight, taken and given back: {@code maxConcurrentRequests};
   *   <li>the picked endpoint's outstanding attempts, taken and given back: what P2C compares
   *       ({@code EWMA × (outstanding + 1)});
   *   <li>one shared add to a windowed count of calls: the retry budget's deposit (Finagle's
   *       budget counts calls), counted once for the breaker's failure rate as well;
   *   <li>a clock read at the end: the latency that feeds peak-EWMA and the request meter;
   *   <li>one record of the request timer: the golden request meter.
   * </ul>
   * No routing, no pick, no EWMA arithmetic, no breaker or budget decision, no state guard, no
   * allocation. Everything the engine does beyond this is extra; if this alone costs about as
   * much as {@link #resilience4jChain}, no engine meeting the issue can cost less than the chain.
   */
  @Benchmark
  public long requiredFloor() {
    long start = System.nanoTime();
    floorCells.incrementAndGet(FLOOR_IN_FLIGHT);
    floorCells.incrementAndGet(FLOOR_CALLS);
    floorCells.incrementAndGet(FLOOR_PENDING);
    long end = System.nanoTime();
    floorCells.decrementAndGet(FLOOR_PENDING);
    floorCells.decrementAndGet(FLOOR_IN_FLIGHT);
    floorTimer.record(end - start, TimeUnit.NANOSECONDS);
    return end;
  }

  /** Reference: one read of the system clock (the engine reads it three times per call). */
  @Benchmark
  public long referenceNanoTime() {
    return System.nanoTime();
  }

  /** Reference: one Micrometer timer record (the engine records one per call). */
  @Benchmark
  public void referenceTimerRecord() {
    timer.record(1_000, TimeUnit.NANOSECONDS);
  }
}
