package io.meshwork.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HashingTest {
  @Test
  void equalStringsHashEquallyAndTheValuesNeverChange() {
    // Pinned: a change here would move keys between endpoints for every ring-hash user, and
    // mixed versions of a client fleet would stop agreeing.
    assertThat(Hashing.hash64("")).isEqualTo(PINNED_EMPTY);
    assertThat(Hashing.hash64("user-42")).isEqualTo(PINNED_USER_42);
    assertThat(Hashing.hash64(new StringBuilder("user-").append(42))).isEqualTo(PINNED_USER_42);
  }

  @Test
  void similarKeysSpreadEvenlyOverTheRange() {
    int[] buckets = new int[16];
    int keys = 160_000;
    for (int i = 0; i < keys; i++) {
      buckets[(int) (Hashing.hash64("user-" + i) >>> 60)]++;
    }
    for (int b : buckets) {
      assertThat(b).isBetween(keys / 16 * 95 / 100, keys / 16 * 105 / 100);
    }
  }

  @Test
  void everyCharacterMatters() {
    assertThat(Hashing.hash64("ab")).isNotEqualTo(Hashing.hash64("ba"));
    assertThat(Hashing.hash64("abcd")).isNotEqualTo(Hashing.hash64("abcd\0"));
    assertThat(Hashing.hash64("127.0.0.1:9000#1")).isNotEqualTo(Hashing.hash64("127.0.0.1:9001#1"));
  }

  private static final long PINNED_EMPTY = -7160610219483255062L;
  private static final long PINNED_USER_42 = 6636619898011296654L;
}
