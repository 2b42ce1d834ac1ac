package io.meshwork.benchmarks.experiments;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Command-line options of an experiment: {@code --short} and {@code --name value} (or
 * {@code --name=value}) pairs. Unknown options are refused with the list of known ones, so a typo
 * does not silently run the long default.
 */
final class Options {
  private final Map<String, String> values = new HashMap<>();
  private final boolean quick;

  private Options(boolean quick) {
    this.quick = quick;
  }

  /** Parses {@code args}; {@code known} are the value options (without "--"). */
  static Options parse(String experiment, String[] args, Set<String> known) {
    boolean quick = false;
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--short")) {
        quick = true;
        continue;
      }
      if (!a.startsWith("--")) throw usage(experiment, known, "unexpected argument '" + a + "'");
      String name = a.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw usage(experiment, known, "--" + name + ": missing value");
      }
      if (!known.contains(name)) throw usage(experiment, known, "unknown option --" + name);
      values.put(name, value);
    }
    Options o = new Options(quick);
    o.values.putAll(values);
    return o;
  }

  private static IllegalArgumentException usage(String experiment, Set<String> known, String problem) {
    StringBuilder b = new StringBuilder(experiment).append(": ").append(problem).append(" (expected: [--short]");
    for (String k : known) b.append(" [--").append(k).append(" VALUE]");
    return new IllegalArgumentException(b.append(')').toString());
  }

  boolean quick() {
    return quick;
  }

  int integer(String name, int fallback, int min, int max) {
    String v = values.get(name);
    if (v == null) return fallback;
    try {
      int n = Integer.parseInt(v);
      if (n >= min && n <= max) return n;
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException("--" + name + ": '" + v + "' (expected: an integer from " + min + " to " + max + ")");
  }

  Path path(String name, Path fallback) {
    String v = values.get(name);
    return v == null ? fallback : Path.of(v);
  }
}
