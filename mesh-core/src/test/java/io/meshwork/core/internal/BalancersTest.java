package io.meshwork.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import io.meshwork.core.internal.BalancerSimulation.FakeContext;
import io.meshwork.core.model.LoadBalancerKind;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What every balancer promises, checked on thousands of random subsets. */
class BalancersTest {
  @ParameterizedTest
  @EnumSource(LoadBalancerKind.class)
  void eachCallMakesANewBalancerOfTheKind(LoadBalancerKind kind) {
    LoadBalancer first = Balancers.forKind(kind);

    assertThat(Balancers.forKind(kind)).isNotSameAs(first).hasSameClassAs(first);
    assertThat(first.getClass().getSimpleName().toLowerCase().replace("balancer", ""))
        .isEqualTo(kind.documentName().replace("-", ""));
  }

  @ParameterizedTest
  @EnumSource(LoadBalancerKind.class)
  void neverPicksAnUnusableEndpointAndPrefersOnesNotTriedYet(LoadBalancerKind kind) {
    LoadBalancer balancer = Balancers.forKind(kind);
    SplittableRandom random = new SplittableRandom(kind.ordinal());

    for (int round = 0; round < 2_000; round++) {
      int n = random.nextInt(1, 13);
      int[] weights = new int[n];
      boolean uniform = random.nextBoolean();
      for (int i = 0; i < n; i++) weights[i] = uniform ? 1 : random.nextInt(1, 6);
      EndpointState[] states = BalancerSimulation.endpoints(weights);
      FakeContext ctx = new FakeContext(random.nextLong());
      boolean anyUsable = false;
      boolean anyPreferred = false;
      for (int i = 0; i < n; i++) {
        states[i].setPending(random.nextInt(4));
        if (random.nextBoolean()) {
          states[i].observeLatency(random.nextLong(1_000_000, 100_000_000), ctx.nowNanos, ctx.tauNanos);
        }
        boolean usable = random.nextInt(3) > 0;
        boolean avoided = random.nextInt(3) == 0;
        if (!usable) ctx.down(states[i]);
        if (avoided) ctx.tried(i);
        anyUsable |= usable;
        anyPreferred |= usable && !avoided;
      }
      if (random.nextBoolean()) ctx.hash(random.nextLong());
      Subset subset = new Subset(states);

      for (int pick = 0; pick < 5; pick++) {
        EndpointState e = balancer.pick(subset, ctx);
        String situation = kind + " round " + round + ": " + Arrays.toString(states);
        if (!anyUsable) {
          assertThat(e).as(situation).isNull();
          continue;
        }
        assertThat(e).as(situation).isNotNull();
        assertThat(ctx.usable(e)).as(situation).isTrue();
        int index = Arrays.asList(states).indexOf(e);
        if (anyPreferred) {
          assertThat(ctx.avoid(index)).as(situation).isFalse();
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(LoadBalancerKind.class)
  void anEmptySubsetGivesNull(LoadBalancerKind kind) {
    assertThat(Balancers.forKind(kind).pick(Subset.EMPTY, new FakeContext(1).hash(5))).isNull();
  }

  @Test
  void picksAllocateNothing() {
    // Not a timing test: counts bytes allocated by this thread, which the JVM tracks exactly.
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    EndpointState[] states = BalancerSimulation.endpoints(3, 1, 2, 1);
    Subset subset = new Subset(states);
    FakeContext ctx = new FakeContext(3).hash(12345);
    ctx.down(states[1]).tried(2);
    for (LoadBalancerKind kind : LoadBalancerKind.values()) {
      LoadBalancer balancer = Balancers.forKind(kind);
      for (int i = 0; i < 20_000; i++) balancer.pick(subset, ctx); // warm up, build the ring

      long before = threads.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < 10_000; i++) balancer.pick(subset, ctx);
      long allocated = threads.getCurrentThreadAllocatedBytes() - before;

      assertThat(allocated).as(kind + " bytes for 10 000 picks").isLessThan(10_000);
    }
  }
}
