package io.meshwork.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.meshwork.core.internal.BalancerSimulation.FakeContext;
import io.meshwork.core.internal.BalancerSimulation.Tally;
import io.meshwork.core.model.LoadBalancerKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoundRobinBalancerTest {
  private final RoundRobinBalancer balancer = new RoundRobinBalancer();
  private final FakeContext ctx = new FakeContext(13);

  @Test
  void aTenTimesSlowerEndpointStillGetsItsTenPercent() {
    Tally tally = BalancerSimulation.of(balancer, 10, 4)
        .poisson(1000)
        .latency(9, Duration.ofMillis(100))
        .run(Duration.ofSeconds(60));

    assertThat(tally.share(9)).as("%s", tally).isCloseTo(0.10, within(0.005));
  }

  @Test
  void equalEndpointsAreVisitedInTurn() {
    EndpointState[] states = BalancerSimulation.endpoints(1, 1, 1);
    Subset subset = new Subset(states);

    List<EndpointState> picks = picks(subset, 6);

    assertThat(picks).containsExactly(states[0], states[1], states[2], states[0], states[1], states[2]);
  }

  @Test
  void endpointsWeighted3To1GetExactly75And25Percent() {
    EndpointState[] states = BalancerSimulation.endpoints(3, 1);
    Subset subset = new Subset(states);

    List<EndpointState> picks = picks(subset, 40_000);

    assertThat(picks.stream().filter(e -> e == states[0]).count()).isEqualTo(30_000);
    assertThat(picks.stream().filter(e -> e == states[1]).count()).isEqualTo(10_000);
  }

  @Test
  void aHeavyEndpointsPicksAreSpreadOverTheCycleNotSentInABurst() {
    EndpointState[] states = BalancerSimulation.endpoints(200, 100, 100);
    Subset subset = new Subset(states);

    List<EndpointState> picks = picks(subset, 400);

    assertThat(picks.stream().filter(e -> e == states[0]).count()).isEqualTo(200);
    int longestRun = 0;
    for (int i = 0, run = 0; i < picks.size(); i++) {
      run = i > 0 && picks.get(i) == picks.get(i - 1) ? run + 1 : 1;
      longestRun = Math.max(longestRun, run);
    }
    assertThat(longestRun).isLessThanOrEqualTo(3);
  }

  @Test
  void aDownEndpointsShareIsSpreadEvenlyOverTheOthers() {
    EndpointState[] states = BalancerSimulation.endpoints(1, 1, 1, 1);
    Subset subset = new Subset(states);
    ctx.down(states[1]);

    List<EndpointState> picks = picks(subset, 3_000);

    assertThat(picks).doesNotContain(states[1]);
    for (int i : new int[] {0, 2, 3}) {
      assertThat(picks.stream().filter(e -> e == states[i]).count()).isEqualTo(1_000);
    }
  }

  @Test
  void anEndpointTheCallAlreadyTriedIsSkippedUnlessItIsTheOnlyUsableOne() {
    EndpointState[] states = BalancerSimulation.endpoints(3, 1);
    Subset subset = new Subset(states);

    assertThat(picks(subset, 50, ctx.tried(0))).containsOnly(states[1]);
    assertThat(picks(subset, 50, ctx.down(states[1]))).containsOnly(states[0]);
    assertThat(balancer.pick(subset, ctx.down(states[0]))).isNull();
  }

  @Test
  void eachDestinationGetsItsOwnCounter() {
    Subset subset = new Subset(BalancerSimulation.endpoints(1, 1));
    LoadBalancer first = Balancers.forKind(LoadBalancerKind.ROUND_ROBIN);
    LoadBalancer second = Balancers.forKind(LoadBalancerKind.ROUND_ROBIN);

    first.pick(subset, ctx);

    assertThat(second.pick(subset, ctx)).isSameAs(subset.get(0));
  }

  private List<EndpointState> picks(Subset subset, int count) {
    return picks(subset, count, ctx);
  }

  private List<EndpointState> picks(Subset subset, int count, PickContext context) {
    List<EndpointState> picks = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      picks.add(balancer.pick(subset, context));
    }
    return picks;
  }
}
