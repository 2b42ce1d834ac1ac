package io.meshwork.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
  @Test
  void everyDurationFallsInABucketThatHoldsItAndIsAtMostAQuarterWide() {
    SplittableRandom random = new SplittableRandom(5);
    for (int i = 0; i < 200_000; i++) {
      long micros = (long) Math.pow(10, random.nextDouble(0, 9)); // 1 µs to 1,000 s
      int b = LatencyHistogram.bucket(micros * 1_000 + random.nextLong(1_000));
      assertThat(b).isBetween(0, LatencyHistogram.BUCKETS - 1);
      assertThat(LatencyHistogram.lowerMicros(b)).isLessThanOrEqualTo(micros);
      assertThat(LatencyHistogram.upperMicros(b)).isGreaterThan(micros);
      if (micros >= 4) {
        assertThat((double) (LatencyHistogram.upperMicros(b) - LatencyHistogram.lowerMicros(b)))
            .isLessThanOrEqualTo(0.25 * LatencyHistogram.upperMicros(b));
      }
    }
    assertThat(LatencyHistogram.bucket(-5)).isZero();
    assertThat(LatencyHistogram.bucket(Long.MAX_VALUE)).isEqualTo(LatencyHistogram.BUCKETS - 1);
  }

  @Test
  void bucketsAreContiguousAndIncreasing() {
    for (int b = 0; b < LatencyHistogram.BUCKETS - 1; b++) {
      assertThat(LatencyHistogram.upperMicros(b)).isEqualTo(LatencyHistogram.lowerMicros(b + 1));
      assertThat(LatencyHistogram.lowerMicros(b)).isLessThan(LatencyHistogram.lowerMicros(b + 1));
    }
  }

  @Test
  void quantilesOfAUniformSpreadAreWithinABucketOfTheTruth() {
    long[] counts = new long[LatencyHistogram.BUCKETS];
    for (long ms = 1; ms <= 100; ms++) counts[LatencyHistogram.bucket(ms * 1_000_000)]++;
    assertThat(LatencyHistogram.quantileMillis(counts, 100, 0.50)).isCloseTo(50.0, within(50 * 0.25));
    assertThat(LatencyHistogram.quantileMillis(counts, 100, 0.99)).isCloseTo(99.0, within(99 * 0.25));
    assertThat(LatencyHistogram.quantileMillis(counts, 0, 0.5)).isNaN();
  }
}
