package io.meshwork.spring.boot.startup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Start-up time of a plain Boot web application against the same with the starter, each start
 * in a fresh JVM (so class loading and JIT are counted as a user would see them), alternating
 * plain and mesh so that machine noise falls on both. Not a test: it runs only when asked, with
 * {@code -Dmeshwork.startup=true} ({@code -Dmeshwork.startup.runs=N}, default 7 each), and prints
 * medians and their ratio.
 */
@EnabledIfSystemProperty(named = "meshwork.startup", matches = "true")
class StartupTimeComparison {

  @Test
  void compareStartupTimes() throws Exception {
    int runs = Integer.getInteger("meshwork.startup.runs", 7);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classPath = System.getProperty("java.class.path");
    List<long[]> plain = new ArrayList<>();
    List<long[]> mesh = new ArrayList<>();
    start(java, classPath, "plain"); // warm the disk cache, not counted
    start(java, classPath, "mesh");
    for (int i = 0; i < runs; i++) {
      plain.add(start(java, classPath, "plain"));
      mesh.add(start(java, classPath, "mesh"));
    }
    report("context refresh (SpringApplication.run)", plain, mesh, 0);
    report("JVM start to ready (uptime)", plain, mesh, 1);
  }

  private static long[] start(String java, String classPath, String mode) throws Exception {
    Process p = new ProcessBuilder(java, "-cp", classPath,
        StartupApp.class.getName(), mode).redirectErrorStream(true).start();
    String result = null;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (line.startsWith("RESULT ")) result = line;
      }
    }
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(result).as("output of a %s start", mode).isNotNull()
        .endsWith("mesh=" + mode.equals("mesh"));
    String[] f = result.split(" ");
    return new long[] {Long.parseLong(f[2]), Long.parseLong(f[3])};
  }

  private static void report(String what, List<long[]> plain, List<long[]> mesh, int i) {
    long p = median(plain, i);
    long m = median(mesh, i);
    System.out.printf("STARTUP %s: plain %d ms, with the starter %d ms, ratio %.3f (medians of %d; plain %s, mesh %s)%n",
        what, p, m, (double) m / p, plain.size(), values(plain, i), values(mesh, i));
  }

  private static long median(List<long[]> runs, int i) {
    long[] v = runs.stream().mapToLong(r -> r[i]).sorted().toArray();
    return v[v.length / 2];
  }

  private static List<Long> values(List<long[]> runs, int i) {
    return runs.stream().map(r -> r[i]).toList();
  }
}
