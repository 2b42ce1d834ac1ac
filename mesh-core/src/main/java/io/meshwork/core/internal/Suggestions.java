package io.meshwork.core.internal;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** "Did you mean" hints for misspelt field and service names. */
public final class Suggestions {
  /** Most edits between a misspelling and the name it is taken for. */
  private static final int MAX_DISTANCE = 2;
  /** Names longer than this are not compared (not a misspelling, and quadratic to compare). */
  private static final int MAX_LENGTH = 64;

  private Suggestions() {}

  /**
   * The known name closest to {@code unknown}: one equal ignoring case, or else the nearest
   * within {@value #MAX_DISTANCE} edits (and fewer edits than the name is long); empty if none.
   */
  public static Optional<String> closest(String unknown, Collection<String> known) {
    if (unknown.length() > MAX_LENGTH) {
      return Optional.empty();
    }
    String lower = unknown.toLowerCase(Locale.ROOT);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(lower, k.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    boolean close = bestDistance == 0 || bestDistance <= MAX_DISTANCE && bestDistance < unknown.length();
    return close ? Optional.ofNullable(best) : Optional.empty();
  }

  /** Levenshtein distance. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
