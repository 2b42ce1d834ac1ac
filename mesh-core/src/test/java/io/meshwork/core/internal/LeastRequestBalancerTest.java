package io.meshwork.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.meshwork.core.internal.BalancerSimulation.FakeContext;
import io.meshwork.core.internal.BalancerSimulation.Tally;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LeastRequestBalancerTest {
  private final LeastRequestBalancer balancer = new LeastRequestBalancer();
  private final FakeContext ctx = new FakeContext(11);

  @Test
  void aTenTimesSlowerEndpointGetsLessThanItsShareButMoreThanUnderPeakEwma() {
    Tally leastRequest = slowEndpointSimulation(balancer).run(Duration.ofSeconds(60));
    Tally peakEwma = slowEndpointSimulation(new PeakEwmaBalancer()).run(Duration.ofSeconds(60));

    // It sees the slow endpoint only through the requests queueing there, so it sends it about
    // 2.5 %; peak EWMA sees the latency itself and sends it almost nothing.
    assertThat(leastRequest.share(9)).as("%s", leastRequest).isLessThan(0.10).isGreaterThan(peakEwma.share(9));
  }

  private static BalancerSimulation slowEndpointSimulation(LoadBalancer balancer) {
    return BalancerSimulation.of(balancer, 10, 3).poisson(1000).latency(9, Duration.ofMillis(100));
  }

  @Test
  void withoutLoadEndpointsWeighted3To1GetAbout75And25Percent() {
    EndpointState[] states = BalancerSimulation.endpoints(3, 1);
    Subset subset = new Subset(states);
    int heavy = 0;
    int picks = 20_000;

    for (int i = 0; i < picks; i++) {
      if (balancer.pick(subset, ctx) == states[0]) heavy++;
    }

    assertThat(heavy / (double) picks).isCloseTo(0.75, within(0.015));
  }

  @Test
  void underLoadEndpointsWeighted3To1StillGetAbout75And25Percent() {
    Tally tally = BalancerSimulation.weighted(balancer, 5, 3, 1, 3, 1).poisson(400).run(Duration.ofSeconds(30));

    double heavy = tally.share(0) + tally.share(2);
    assertThat(heavy).as("%s", tally).isCloseTo(0.75, within(0.04));
  }

  @Test
  void ofTwoEndpointsTheOneWithFewerRequestsInFlightWins() {
    EndpointState[] states = BalancerSimulation.endpoints(1, 1);
    states[0].setPending(1);
    Subset subset = new Subset(states);

    for (int i = 0; i < 100; i++) {
      assertThat(balancer.pick(subset, ctx)).isSameAs(states[1]);
    }
  }

  @Test
  void requestsInFlightCountRelativeToWeight() {
    EndpointState[] states = BalancerSimulation.endpoints(4, 1);
    states[0].setPending(3); // 3 of 4
    states[1].setPending(1); // 1 of 1
    Subset subset = new Subset(states);

    assertThat(balancer.pick(subset, ctx)).isSameAs(states[0]);
    states[0].setPending(5); // 5 of 4
    assertThat(balancer.pick(subset, ctx)).isSameAs(states[1]);
  }

  @Test
  void anEndpointThatIsDownIsNeverPickedAndNoneUpMeansNull() {
    EndpointState[] states = BalancerSimulation.endpoints(1, 1, 1);
    Subset subset = new Subset(states);
    ctx.down(states[0]).down(states[1]);

    for (int i = 0; i < 100; i++) {
      assertThat(balancer.pick(subset, ctx)).isSameAs(states[2]);
    }
    assertThat(balancer.pick(subset, ctx.down(states[2]))).isNull();
  }
}
