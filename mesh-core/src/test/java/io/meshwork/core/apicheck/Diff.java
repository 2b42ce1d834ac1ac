package io.meshwork.core.apicheck;

import java.util.ArrayList;
import java.util.List;

/** A line diff in the unified style, for a readable failure message. */
final class Diff {
  private static final int CONTEXT = 2;

  private Diff() {}

  /** Lines only in {@code a} start with {@code -}, only in {@code b} with {@code +}. */
  static String unified(List<String> a, List<String> b) {
    // Longest common subsequence, table from the end.
    int[][] lcs = new int[a.size() + 1][b.size() + 1];
    for (int i = a.size() - 1; i >= 0; i--) {
      for (int j = b.size() - 1; j >= 0; j--) {
        lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    List<String> edits = new ArrayList<>(); // each: ' ', '-' or '+' then the line
    List<Integer> oldLine = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < a.size() || j < b.size()) {
      if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
        oldLine.add(i);
        edits.add(" " + a.get(i++));
        j++;
      } else if (i < a.size() && (j == b.size() || lcs[i + 1][j] >= lcs[i][j + 1])) {
        oldLine.add(i);
        edits.add("-" + a.get(i++));
      } else {
        oldLine.add(i);
        edits.add("+" + b.get(j++));
      }
    }
    StringBuilder out = new StringBuilder();
    int n = edits.size();
    int k = 0;
    while (k < n) {
      if (edits.get(k).charAt(0) == ' ') {
        k++;
        continue;
      }
      int start = Math.max(0, k - CONTEXT);
      int end = k;
      // extend the hunk while changes are within 2 * CONTEXT lines of each other
      int last = k;
      while (end < n) {
        if (edits.get(end).charAt(0) != ' ') last = end;
        else if (end - last > 2 * CONTEXT) break;
        end++;
      }
      end = Math.min(n, last + CONTEXT + 1);
      out.append("@@ line ").append(oldLine.get(start) + 1).append(" @@\n");
      for (int x = start; x < end; x++) out.append(edits.get(x)).append('\n');
      k = end;
    }
    return out.toString();
  }
}
