package io.meshwork.benchmarks;

import io.meshwork.admin.MeshState;
import io.meshwork.core.Attempt;
import io.meshwork.core.Call;
import io.meshwork.core.Destination;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshRequest;
import io.meshwork.core.Outcome;
import io.meshwork.core.Ticker;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.Route;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 * What one read of the admin server's {@code state.json} costs: {@link MeshState#json()} (the
 * text the admin server serves) and {@link MeshState#document()} (the map tree the Actuator
 * endpoint serves) for a mesh with {@code destinations} destinations of 10 endpoints each, every
 * endpoint with traffic (attempts, EWMA, failures), a route per destination, golden figures and
 * endpoint rates over a full window. The state's ticker stands still during the measurement, so
 * the cost is the document's alone, not the once-a-second rotation.
 *
 * <p>The bound: 100 destinations x 10 endpoints well under 1 ms of CPU. Run with
 * {@code benchmarks/run.sh admin-state} (1 thread, {@code -prof gc} for bytes per read).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AdminStateBenchmark {
  private static final int ENDPOINTS = 10;

  @Param({"10", "100"})
  public int destinations;

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private InMemoryRegistry registry;
  private Mesh mesh;
  private MeshState state;

  @Setup(Level.Trial)
  public void setUp() {
    Ticker ticker = now::get;
    registry = InMemoryRegistry.create();
    mesh = Mesh.builder().serviceName("frontend").zone("z1").registry(registry)
        .meterRegistry(new SimpleMeterRegistry()).ticker(ticker).build();
    state = MeshState.start(mesh, Clock.systemUTC(), ticker);
    for (int d = 0; d < destinations; d++) {
      ServiceConfig.Builder service = ServiceConfig.builder(String.format("service-%03d", d))
          .client(ClientPolicy.builder()
              .addRoute(Route.to("canary", Map.of("x-canary", "1"), Map.of("version", "v2")))
              .build());
      for (int e = 0; e < ENDPOINTS; e++) {
        service.addEndpoint(Endpoint.of("10.0." + d + "." + e + ":8080")
            .withZone("z" + (e % 3)).withLabels(Map.of("version", e % 2 == 0 ? "v1" : "v2")));
      }
      registry.putService(service.build());
    }
    // Eleven seconds of traffic, so every figure of the window is a number, not null.
    for (int second = 0; second < 11; second++) {
      for (int d = 0; d < destinations; d++) {
        Destination destination = mesh.destination(String.format("service-%03d", d));
        for (int c = 0; c < 3 * ENDPOINTS; c++) {
          try (Call call = destination.newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
            Attempt attempt = call.nextAttempt();
            now.addAndGet(TimeUnit.MICROSECONDS.toNanos(300 + 37L * c));
            attempt.complete(Outcome.http(c % 17 == 0 ? 503 : 200));
          }
        }
      }
      now.addAndGet(TimeUnit.SECONDS.toNanos(1));
      state.json();
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    state.close();
    mesh.close();
    registry.close();
  }

  /** The state.json text. */
  @Benchmark
  public String json() {
    return state.json();
  }

  /** The same document as maps and lists. */
  @Benchmark
  public Map<String, Object> document() {
    return state.document();
  }
}
