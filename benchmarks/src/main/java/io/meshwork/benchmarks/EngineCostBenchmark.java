package io.meshwork.benchmarks;

import io.meshwork.core.Decision;
import io.meshwork.core.Destination;
import io.meshwork.core.Mesh;
import io.meshwork.core.Ticker;
import io.meshwork.core.model.CircuitBreakerPolicy;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.LoadBalancerKind;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Where {@link EngineBenchmark#meshCall}'s time goes: the same call (new call, attempt,
 * success, 10 endpoints) with one part of the engine taken away at a time, through public
 * settings only, so that the difference from {@code defaults} is what that part costs.
 *
 * <ul>
 *   <li>{@code defaults}: as {@code meshCall}.
 *   <li>{@code roundRobin}: round robin instead of P2C peak-EWMA (no random draws, no loads).
 *   <li>{@code noBreaker}: the circuit breaker disabled (no admission check, no result count).
 *   <li>{@code noMeters}: a meter registry that denies every meter, so Micrometer hands out
 *       no-op meters (the request timer and the attempt counters cost nothing).
 *   <li>{@code frozenClock}: a ticker that returns a constant, so the engine's clock reads cost
 *       nothing (time-dependent rules stand still; harmless for a call that succeeds).
 *   <li>{@code logicOnly}: no meters and a frozen clock: the engine's own decisions and
 *       bookkeeping alone.
 * </ul>
 *
 * <p>Run with {@code benchmarks/run.sh engine-cost} (1 thread, {@code -prof gc}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EngineCostBenchmark {
  @Param({"defaults", "roundRobin", "noBreaker", "noMeters", "frozenClock", "logicOnly"})
  public String variant;

  private InMemoryRegistry registry;
  private Mesh mesh;
  private Destination destination;

  @Setup(Level.Trial)
  public void setUp() {
    ClientPolicy.Builder policy = ClientPolicy.builder();
    if (variant.equals("roundRobin")) {
      policy.loadBalancer(LoadBalancerKind.ROUND_ROBIN);
    }
    if (variant.equals("noBreaker")) {
      policy.circuitBreaker(CircuitBreakerPolicy.DISABLED);
    }
    MeterRegistry meters = new SimpleMeterRegistry();
    if (variant.equals("noMeters") || variant.equals("logicOnly")) {
      meters.config().meterFilter(MeterFilter.deny());
    }
    Ticker ticker = Ticker.system();
    if (variant.equals("frozenClock") || variant.equals("logicOnly")) {
      long frozen = System.nanoTime();
      ticker = () -> frozen;
    }
    registry = InMemoryRegistry.create();
    registry.putService(ServiceConfig.builder("greeter").endpoints(EngineBenchmark.tenEndpoints()).client(policy.build()).build());
    mesh = Mesh.builder().serviceName("bench").registry(registry).meterRegistry(meters).ticker(ticker).build();
    destination = mesh.destination("greeter");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    mesh.close();
    registry.close();
  }

  @Benchmark
  public Decision call() {
    return EngineBenchmark.succeed(destination);
  }
}
