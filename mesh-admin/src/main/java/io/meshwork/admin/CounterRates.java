package io.meshwork.admin;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Rates over the golden window from cumulative counters (an endpoint's attempts and failures, a
 * caller's requests): the sampler hands in the counters once a second, and a rate is the
 * difference between the newest sample and the one {@value GoldenWindow#WINDOW} seconds older
 * (or the oldest kept, while fewer have been taken). Keys not sampled in a round are forgotten.
 *
 * <p>Not thread-safe: {@link MeshState} guards it.
 */
final class CounterRates<K> {
  private static final int KEEP = GoldenWindow.WINDOW + 1;

  private final Map<K, History> histories = new HashMap<>();
  private long round;

  /** Starts a sampling round. */
  void beginRound() {
    round++;
  }

  /** Records {@code key}'s counters in this round. */
  void sample(K key, long total, long failures) {
    History h = histories.computeIfAbsent(key, k -> new History());
    h.add(total, failures, round);
  }

  /** Ends a round: forgets the keys it did not see. */
  void endRound() {
    for (Iterator<History> it = histories.values().iterator(); it.hasNext(); ) {
      if (it.next().round != round) it.remove();
    }
  }

  /** Per second over the window; NaN until two samples exist. */
  double perSecond(K key) {
    History h = histories.get(key);
    if (h == null || h.count < 2) return Double.NaN;
    return (double) (h.total(0) - h.total(h.count - 1)) / (h.count - 1);
  }

  /** The share of the window's counts that were not failures; NaN when it has none. */
  double successRate(K key) {
    History h = histories.get(key);
    if (h == null || h.count < 2) return Double.NaN;
    long total = h.total(0) - h.total(h.count - 1);
    if (total <= 0) return Double.NaN;
    long failed = h.failures(0) - h.failures(h.count - 1);
    return (double) (total - failed) / total;
  }

  /** The last {@link #KEEP} samples of one key, newest at {@code head}. */
  private static final class History {
    final long[] totals = new long[KEEP];
    final long[] failures = new long[KEEP];
    int head = -1;
    int count;
    long round;

    void add(long total, long failed, long round) {
      // Counters that went down were reset (the endpoint was made anew): start over.
      if (count > 0 && (total < totals[head] || failed < failures[head])) count = 0;
      head = (head + 1) % KEEP;
      totals[head] = total;
      failures[head] = failed;
      if (count < KEEP) count++;
      this.round = round;
    }

    /** The sample {@code age} rounds before the newest. */
    long total(int age) {
      return totals[Math.floorMod(head - age, KEEP)];
    }

    long failures(int age) {
      return failures[Math.floorMod(head - age, KEEP)];
    }
  }
}
