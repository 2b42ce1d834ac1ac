package io.meshwork.benchmarks.experiments;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A table of results, written as markdown (for people) and CSV (for tools) from the same rows. */
final class Table {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  Table(String... header) {
    this.header = List.of(header);
  }

  Table row(Object... cells) {
    if (cells.length != header.size()) {
      throw new IllegalArgumentException("row: " + cells.length + " cells (expected: " + header.size() + ")");
    }
    List<String> r = new ArrayList<>();
    for (Object c : cells) r.add(String.valueOf(c));
    rows.add(r);
    return this;
  }

  String markdown() {
    StringBuilder b = new StringBuilder();
    line(b, header);
    b.append('|');
    for (int i = 0; i < header.size(); i++) b.append(i == 0 ? "---|" : "--:|");
    b.append('\n');
    for (List<String> r : rows) line(b, r);
    return b.toString();
  }

  private static void line(StringBuilder b, List<String> cells) {
    b.append('|');
    for (String c : cells) b.append(' ').append(c).append(" |");
    b.append('\n');
  }

  String csv() {
    StringBuilder b = new StringBuilder();
    b.append(String.join(",", header)).append('\n');
    for (List<String> r : rows) {
      List<String> cells = new ArrayList<>();
      for (String c : r) cells.add(c.contains(",") || c.contains("\"") ? '"' + c.replace("\"", "\"\"") + '"' : c);
      b.append(String.join(",", cells)).append('\n');
    }
    return b.toString();
  }

  /** {@code v} with {@code decimals} decimals, '.' as the separator whatever the locale. */
  static String num(double v, int decimals) {
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  /** A ratio such as {@code 0.42×}; "–" when the baseline is 0. */
  static String ratio(double v, double baseline) {
    if (baseline == 0) return v == 0 ? "1.00×" : "–";
    double r = v / baseline;
    return String.format(Locale.ROOT, r < 0.01 ? "%.4f×" : "%.2f×", r);
  }
}
