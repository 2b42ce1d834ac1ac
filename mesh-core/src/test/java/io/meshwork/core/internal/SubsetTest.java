package io.meshwork.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** The multiply-and-shift draw behind every P2C pick. */
class SubsetTest {
  /** A generator whose {@code nextInt()} is always {@code bits}. */
  private static RandomGenerator constant(int bits) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        return bits;
      }

      @Override
      public int nextInt() {
        return bits;
      }
    };
  }

  @Test
  void extremeBitsStayInsideTheBound() {
    for (int bound : new int[] {1, 2, 3, 10, 1_000, Integer.MAX_VALUE}) {
      assertThat(Subset.bounded(constant(0), bound)).isZero();
      assertThat(Subset.bounded(constant(-1), bound)).isEqualTo(bound - 1);
      assertThat(Subset.bounded(constant(Integer.MIN_VALUE), bound)).isEqualTo((int) (bound / 2L));
    }
  }

  @Test
  void drawsAreUniform() {
    RandomGenerator random = new SplittableRandom(42);
    int bound = 10;
    int draws = 200_000;
    int[] counts = new int[bound];
    for (int i = 0; i < draws; i++) counts[Subset.bounded(random, bound)]++;
    for (int c : counts) {
      assertThat(c).isBetween(draws / bound * 97 / 100, draws / bound * 103 / 100);
    }
  }
}
