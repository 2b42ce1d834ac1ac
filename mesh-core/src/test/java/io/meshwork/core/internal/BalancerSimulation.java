package io.meshwork.core.internal;

import io.meshwork.core.model.Endpoint;
import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.LongFunction;
import java.util.random.RandomGenerator;

/**
 * A discrete-event simulation of one client sending requests through a {@link LoadBalancer} to
 * a {@link Subset} of endpoints, in frozen, stepped time (after Finagle's balancer simulations).
 *
 * <p>Requests arrive at a fixed rate, Poisson or evenly spaced. Each pick raises the chosen
 * endpoint's outstanding count and schedules its completion after that endpoint's service time
 * (its base latency stretched by up to {@link #jitter} at random); completions are handled in
 * time order from a priority queue, each lowering the count and feeding the latency into the
 * endpoint's peak-EWMA estimate, exactly as the engine would. Nothing sleeps and no clock is
 * read: time is a {@code long} that jumps from event to event, and every random number comes
 * from seeded generators, so a run is reproducible and takes milliseconds per simulated minute.
 *
 * <p>{@link #run} may be called repeatedly: state (outstanding requests, estimates, time)
 * carries over, so a test can change latencies or take endpoints down between runs.
 * {@link #context} is the simulation's {@link PickContext} and doubles as a settable fake for
 * unit tests that pick directly.
 */
final class BalancerSimulation {
  static final long MILLIS = 1_000_000L;
  static final long SECONDS = 1_000_000_000L;

  private final LoadBalancer balancer;
  private final EndpointState[] states;
  private final Subset subset;
  private final FakeContext context;
  private final SplittableRandom world;
  private final long[] baseLatencyNanos;
  private final PriorityQueue<Completion> completions = new PriorityQueue<>();
  private double jitter = 0.1;
  private double ratePerSecond = 1000;
  private boolean poisson = true;
  private LongFunction<String> keyOfRequest;
  private long nextArrivalNanos;
  private long requests;

  private BalancerSimulation(LoadBalancer balancer, int[] weights, long seed) {
    this.balancer = balancer;
    this.states = endpoints(weights);
    this.subset = new Subset(states);
    SplittableRandom seeds = new SplittableRandom(seed);
    this.world = seeds.split();
    this.context = new FakeContext(seeds.split());
    this.baseLatencyNanos = new long[weights.length];
    Arrays.fill(baseLatencyNanos, 10 * MILLIS);
    this.nextArrivalNanos = context.nowNanos;
  }

  /** {@code n} endpoints of weight 1, all at 10 ms. */
  static BalancerSimulation of(LoadBalancer balancer, int n, long seed) {
    int[] weights = new int[n];
    Arrays.fill(weights, 1);
    return new BalancerSimulation(balancer, weights, seed);
  }

  /** One endpoint per weight, all at 10 ms. */
  static BalancerSimulation weighted(LoadBalancer balancer, long seed, int... weights) {
    return new BalancerSimulation(balancer, weights, seed);
  }

  /** Fresh endpoint states {@code 127.0.0.1:9000}, {@code :9001}, … with the given weights. */
  static EndpointState[] endpoints(int... weights) {
    EndpointState[] states = new EndpointState[weights.length];
    for (int i = 0; i < weights.length; i++) {
      states[i] = new EndpointState(Endpoint.of("127.0.0.1:" + (9000 + i)).withWeight(weights[i]), FakeContext.START_NANOS);
    }
    return states;
  }

  BalancerSimulation latency(int index, Duration base) {
    baseLatencyNanos[index] = base.toNanos();
    return this;
  }

  BalancerSimulation latencyOfAll(Duration base) {
    Arrays.fill(baseLatencyNanos, base.toNanos());
    return this;
  }

  /** Service time is the base latency times {@code 1 + U(0, fraction)}. */
  BalancerSimulation jitter(double fraction) {
    this.jitter = fraction;
    return this;
  }

  /** Requests arrive as a Poisson process at this mean rate. */
  BalancerSimulation poisson(double perSecond) {
    this.ratePerSecond = perSecond;
    this.poisson = true;
    return this;
  }

  /** Requests arrive evenly spaced at this rate. */
  BalancerSimulation evenly(double perSecond) {
    this.ratePerSecond = perSecond;
    this.poisson = false;
    return this;
  }

  /** Each request carries a hash key made from its sequence number (for ring hash). */
  BalancerSimulation keys(LongFunction<String> keyOfRequest) {
    this.keyOfRequest = keyOfRequest;
    return this;
  }

  BalancerSimulation down(int index) {
    context.down(states[index]);
    return this;
  }

  BalancerSimulation up(int index) {
    context.up(states[index]);
    return this;
  }

  Subset subset() {
    return subset;
  }

  EndpointState endpoint(int index) {
    return states[index];
  }

  FakeContext context() {
    return context;
  }

  long nowNanos() {
    return context.nowNanos;
  }

  /** Runs for {@code duration} of simulated time and counts the picks made in it. */
  Tally run(Duration duration) {
    long end = context.nowNanos + duration.toNanos();
    long[] picks = new long[states.length];
    long refused = 0;
    while (nextArrivalNanos <= end) {
      completeUntil(nextArrivalNanos);
      context.nowNanos = nextArrivalNanos;
      if (keyOfRequest != null) {
        context.hash(Hashing.hash64(keyOfRequest.apply(requests)));
      }
      requests++;
      EndpointState e = balancer.pick(subset, context);
      if (e == null) {
        refused++;
      } else {
        int index = indexOf(e);
        picks[index]++;
        e.attemptStarted(context.nowNanos);
        long service = (long) (baseLatencyNanos[index] * (1 + jitter * world.nextDouble()));
        completions.add(new Completion(context.nowNanos + service, service, e));
      }
      nextArrivalNanos += interArrivalNanos();
    }
    completeUntil(end);
    context.nowNanos = end;
    return new Tally(picks, refused);
  }

  private void completeUntil(long t) {
    while (!completions.isEmpty() && completions.peek().atNanos <= t) {
      Completion c = completions.poll();
      context.nowNanos = c.atNanos;
      c.endpoint.attemptEnded(c.atNanos - c.rttNanos);
      c.endpoint.observeLatency(c.rttNanos, c.atNanos, context.tauNanos);
    }
  }

  private long interArrivalNanos() {
    double mean = SECONDS / ratePerSecond;
    double gap = poisson ? -Math.log(1 - world.nextDouble()) * mean : mean;
    return Math.max(1, Math.round(gap));
  }

  private int indexOf(EndpointState e) {
    for (int i = 0; i < states.length; i++) {
      if (states[i] == e) return i;
    }
    throw new AssertionError(e + " is not in the subset");
  }

  private record Completion(long atNanos, long rttNanos, EndpointState endpoint) implements Comparable<Completion> {
    @Override
    public int compareTo(Completion o) {
      return Long.compare(atNanos, o.atNanos);
    }
  }

  /** Picks per endpoint in one {@link #run}, and picks that found no usable endpoint. */
  record Tally(long[] picks, long refused) {
    long total() {
      return Arrays.stream(picks).sum() + refused;
    }

    /** Fraction of all requests of the run that went to endpoint {@code index}. */
    double share(int index) {
      return (double) picks[index] / total();
    }

    @Override
    public String toString() {
      return "Tally" + Arrays.toString(picks) + (refused == 0 ? "" : ", refused " + refused);
    }
  }

  /**
   * A settable {@link PickContext}: frozen time, seeded randomness, a set of endpoints that are
   * down (not usable), a set of subset indexes to avoid, an optional hash.
   */
  static final class FakeContext implements PickContext {
    static final long START_NANOS = 1_000 * SECONDS; // not zero, so nothing relies on that

    long nowNanos = START_NANOS;
    long tauNanos = PeakEwma.DEFAULT_TAU_NANOS;
    private final RandomGenerator random;
    private final Set<EndpointState> down = Collections.newSetFromMap(new IdentityHashMap<>());
    private final BitSet avoided = new BitSet();
    private long hash;
    private boolean hasHash;

    FakeContext(RandomGenerator random) {
      this.random = random;
    }

    FakeContext(long seed) {
      this(new SplittableRandom(seed));
    }

    FakeContext down(EndpointState e) {
      down.add(e);
      return this;
    }

    FakeContext up(EndpointState e) {
      down.remove(e);
      return this;
    }

    /** Marks subset indexes as already tried by this call, so {@link #avoid} flags them. */
    FakeContext tried(int... indexes) {
      for (int i : indexes) avoided.set(i);
      return this;
    }

    FakeContext clear() {
      down.clear();
      avoided.clear();
      hasHash = false;
      return this;
    }

    FakeContext hash(long h) {
      hash = h;
      hasHash = true;
      return this;
    }

    FakeContext key(String key) {
      return hash(Hashing.hash64(key));
    }

    FakeContext noHash() {
      hasHash = false;
      return this;
    }

    @Override
    public long nowNanos() {
      return nowNanos;
    }

    @Override
    public RandomGenerator random() {
      return random;
    }

    @Override
    public boolean usable(EndpointState e) {
      return !down.contains(e);
    }

    @Override
    public boolean avoid(int index) {
      return avoided.get(index);
    }

    @Override
    public long hash() {
      return hash;
    }

    @Override
    public boolean hasHash() {
      return hasHash;
    }

    @Override
    public long tauNanos() {
      return tauNanos;
    }
  }
}
