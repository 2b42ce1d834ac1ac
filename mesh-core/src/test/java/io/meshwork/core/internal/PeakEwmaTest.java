package io.meshwork.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PeakEwmaTest {
  private static final long TAU = PeakEwma.DEFAULT_TAU_NANOS;

  @Test
  void theDecayWeightMatchesExpEverywhere() {
    for (long dt : new long[] {0, 1, 1_000, 1_000_000, 50_000_000, 99_999_999, 100_000_000, 1_000_000_000L, 30_000_000_000L}) {
      assertThat(PeakEwma.weight(dt, TAU)).as("dt=%d", dt).isCloseTo(Math.exp(-(double) dt / TAU), within(1e-6));
    }
  }

  @Test
  void aSlowSampleReplacesTheEstimateAtOnce() {
    assertThat(PeakEwma.update(10e6, 0, 100e6, 1_000, TAU)).isEqualTo(100e6);
  }

  @Test
  void aFastSampleIsBlendedInByElapsedTime() {
    double after1s = PeakEwma.update(100e6, 0, 10e6, 1_000_000_000L, TAU);
    double w = Math.exp(-0.1);
    assertThat(after1s).isCloseTo(100e6 * w + 10e6 * (1 - w), within(1.0));
    // Ten seconds of decay (one time constant) leaves about 37 % of the estimate.
    assertThat(PeakEwma.decayed(100e6, 0, TAU, TAU)).isCloseTo(100e6 * Math.exp(-1), within(1.0));
  }
}
