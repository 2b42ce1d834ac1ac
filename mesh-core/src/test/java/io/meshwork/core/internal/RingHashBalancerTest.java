package io.meshwork.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.meshwork.core.internal.BalancerSimulation.FakeContext;
import io.meshwork.core.internal.BalancerSimulation.Tally;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RingHashBalancerTest {
  private static final int KEYS = 10_000;

  private final RingHashBalancer balancer = new RingHashBalancer();
  private final FakeContext ctx = new FakeContext(17);
  private final EndpointState[] states = BalancerSimulation.endpoints(1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
  private final Subset all = new Subset(states);

  @Test
  void theSameKeyReachesTheSameEndpointEveryTime() {
    for (int k = 0; k < 100; k++) {
      ctx.key("user-" + k);
      EndpointState first = balancer.pick(all, ctx);
      for (int i = 0; i < 10; i++) {
        assertThat(balancer.pick(all, ctx)).isSameAs(first);
      }
    }
  }

  @Test
  void keysSpreadOverAllEndpointsRoughlyEvenly() {
    Tally tally = BalancerSimulation.of(balancer, 10, 6).evenly(1000).keys(n -> "user-" + n).run(Duration.ofSeconds(10));

    for (int i = 0; i < 10; i++) {
      assertThat(tally.share(i)).as("%s", tally).isCloseTo(0.10, within(0.04));
    }
  }

  @Test
  void removingOneOfTenEndpointsMovesOnlyItsOwnKeys() {
    EndpointState[] nine = Arrays.copyOf(states, 9); // without 127.0.0.1:9009
    Subset withoutLast = new Subset(nine);
    EndpointState removed = states[9];
    int moved = 0;

    for (int k = 0; k < KEYS; k++) {
      EndpointState before = balancer.pick(all, ctx.key("user-" + k));
      EndpointState after = balancer.pick(withoutLast, ctx);
      if (before != after) {
        moved++;
        assertThat(before).as("key user-%s moved from an endpoint that stayed", k).isSameAs(removed);
      }
    }

    assertThat(moved / (double) KEYS).isGreaterThan(0.02).isLessThan(0.20);
  }

  @Test
  void aDownEndpointsKeysGoWhereTheyWouldWithoutItAndComeBackWhenItIsUp() {
    Subset withoutLast = new Subset(Arrays.copyOf(states, 9));
    EndpointState[] owner = new EndpointState[KEYS];
    for (int k = 0; k < KEYS; k++) {
      owner[k] = balancer.pick(all, ctx.key("user-" + k));
    }

    ctx.down(states[9]);
    for (int k = 0; k < KEYS; k++) {
      ctx.key("user-" + k);
      assertThat(balancer.pick(all, ctx)).isSameAs(balancer.pick(withoutLast, ctx));
    }

    ctx.up(states[9]);
    for (int k = 0; k < KEYS; k++) {
      assertThat(balancer.pick(all, ctx.key("user-" + k))).isSameAs(owner[k]);
    }
  }

  @Test
  void anEndpointTheCallAlreadyTriedIsPassedOverUnlessItIsTheOnlyUsableOne() {
    ctx.key("user-1");
    EndpointState owner = balancer.pick(all, ctx);
    int ownerIndex = Arrays.asList(states).indexOf(owner);

    ctx.tried(ownerIndex);
    EndpointState retry = balancer.pick(all, ctx);
    assertThat(retry).isNotSameAs(owner);

    ctx.down(states[ownerIndex]);
    assertThat(balancer.pick(all, ctx)).as("where the key goes while its owner is down").isSameAs(retry);
    ctx.up(states[ownerIndex]);

    for (EndpointState e : states) {
      if (e != owner) ctx.down(e);
    }
    assertThat(balancer.pick(all, ctx)).isSameAs(owner);
  }

  @Test
  void withoutAHashKeyItStillPicksAUsableEndpoint() {
    ctx.down(states[0]);
    int[] picks = new int[10];

    for (int i = 0; i < 1_000; i++) {
      EndpointState e = balancer.pick(all, ctx.noHash());
      assertThat(e).isNotNull().isNotSameAs(states[0]);
      picks[Arrays.asList(states).indexOf(e)]++;
    }

    assertThat(Arrays.stream(picks).filter(n -> n > 50).count()).isEqualTo(9);
  }

  @Test
  void withNoUsableEndpointItReturnsNull() {
    for (EndpointState e : states) ctx.down(e);

    assertThat(balancer.pick(all, ctx.key("user-1"))).isNull();
    assertThat(balancer.pick(all, ctx.noHash())).isNull();
    assertThat(balancer.pick(Subset.EMPTY, ctx.key("user-1"))).isNull();
  }

  @Test
  void theRingHasAHundredPointsPerUnitOfWeightAndNeverMoreThan65536() {
    assertThat(RingHashBalancer.ring(new Subset(BalancerSimulation.endpoints(1, 3))).size()).isEqualTo(400);

    int[] heavy = new int[20];
    Arrays.fill(heavy, 10_000);
    heavy[0] = 1;
    RingHashBalancer.Ring capped = RingHashBalancer.ring(new Subset(BalancerSimulation.endpoints(heavy)));
    assertThat(capped.size()).isLessThanOrEqualTo(65_536).isGreaterThan(60_000);
    assertThat(capped.owners).contains(0);
  }

  @Test
  void ringPointsAreHashesOfAddressHashIndexSoEveryProcessBuildsTheSameRing() {
    RingHashBalancer.Ring ring = RingHashBalancer.ring(all);

    for (int j = 0; j < RingHashBalancer.POINTS_PER_WEIGHT; j++) {
      int p = Arrays.binarySearch(ring.points, Hashing.hash64("127.0.0.1:9003#" + j));
      assertThat(p).isNotNegative();
      assertThat(ring.owners[p]).isEqualTo(3);
    }
    assertThat(ring.points).isSorted();
    assertThat(RingHashBalancer.Ring.build(new Subset(BalancerSimulation.endpoints(1, 1, 1, 1, 1, 1, 1, 1, 1, 1))).owners)
        .containsExactly(ring.owners);
  }

  @Test
  void theRingIsBuiltOncePerSubset() {
    Subset subset = new Subset(BalancerSimulation.endpoints(1, 1));
    balancer.pick(subset, ctx.key("a"));
    Object ring = subset.ring();

    balancer.pick(subset, ctx.key("b"));

    assertThat(ring).isInstanceOf(RingHashBalancer.Ring.class);
    assertThat(subset.ring()).isSameAs(ring);
  }

  @Test
  void weightsGiveProportionateShares() {
    Tally tally = BalancerSimulation.weighted(balancer, 8, 3, 1).evenly(1000).keys(n -> "k" + n).run(Duration.ofSeconds(20));

    assertThat(tally.share(0)).as("%s", tally).isCloseTo(0.75, within(0.05));
  }
}
