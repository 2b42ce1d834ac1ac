package io.meshwork.admin;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The bucket layout of the golden latency histograms: log-linear over microseconds, four
 * buckets per power of two (each bucket at most 25% wide; a percentile is interpolated inside
 * its bucket), exact below 4 µs, everything from about 18 minutes up in the last bucket. The
 * layout is a pure function of the value, so recording is an array index and an atomic add.
 */
final class LatencyHistogram {
  /** Buckets per power of two. */
  private static final int SUB = 4;
  private static final int SUB_BITS = 2;
  /** The largest power of two with buckets of its own (2^30 µs, about 18 minutes). */
  private static final int MAX_EXPONENT = 30;
  static final int BUCKETS = SUB + (MAX_EXPONENT - SUB_BITS + 1) * SUB;

  private LatencyHistogram() {}

  /** The bucket of a duration of {@code nanos}. */
  static int bucket(long nanos) {
    long micros = nanos <= 0 ? 0 : nanos / 1_000;
    if (micros < SUB) return (int) micros;
    int exponent = 63 - Long.numberOfLeadingZeros(micros);
    if (exponent > MAX_EXPONENT) return BUCKETS - 1;
    int sub = (int) (micros >>> (exponent - SUB_BITS)) & (SUB - 1);
    return SUB + (exponent - SUB_BITS) * SUB + sub;
  }

  /** The smallest value of {@code bucket}, microseconds. */
  static long lowerMicros(int bucket) {
    if (bucket < SUB) return bucket;
    int exponent = (bucket - SUB) / SUB + SUB_BITS;
    int sub = (bucket - SUB) % SUB;
    return (long) (SUB + sub) << (exponent - SUB_BITS);
  }

  /** One past the largest value of {@code bucket}, microseconds. */
  static long upperMicros(int bucket) {
    return bucket == BUCKETS - 1 ? lowerMicros(bucket) * 2 : lowerMicros(bucket + 1);
  }

  /**
   * The {@code quantile} (0 to 1) of the counts in {@code counts[0..BUCKETS)}, milliseconds,
   * interpolated linearly inside its bucket; NaN when {@code total} is 0.
   */
  static double quantileMillis(long[] counts, long total, double quantile) {
    if (total <= 0) return Double.NaN;
    long rank = Math.max(1, (long) Math.ceil(quantile * total));
    long seen = 0;
    for (int b = 0; b < BUCKETS; b++) {
      long n = counts[b];
      if (n == 0) continue;
      if (seen + n >= rank) {
        double lower = lowerMicros(b);
        double width = upperMicros(b) - lower;
        double micros = lower + width * (rank - seen) / n;
        return micros / 1_000.0;
      }
      seen += n;
    }
    return upperMicros(BUCKETS - 1) / 1_000.0;
  }

  /** Adds {@code slot}'s bucket counts to {@code into}. */
  static void addTo(AtomicLongArray slot, long[] into) {
    for (int b = 0; b < BUCKETS; b++) into[b] += slot.get(b);
  }
}
