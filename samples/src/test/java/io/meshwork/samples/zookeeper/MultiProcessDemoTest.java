package io.meshwork.samples.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the real multi-process demo (a ZooKeeper, three greeter JVMs, a frontend JVM) with a
 * shorter load and checks what the frontend measured and that nothing is left running.
 */
class MultiProcessDemoTest {
  @Test
  @Timeout(90)
  void aGreeterKilledUnderLoadCostsNoCallAndEveryChildIsStopped() throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8);
    long start = System.nanoTime();
    // The load must outlast the session timeout after the kill, so that the endpoint leaves during it.
    int status = MultiProcessDemo.run(new String[] {"mesh.yaml", "--load", "8s", "--kill-after", "2s", "--rate", "30",
        "--session-timeout", "3s"}, out);
    double seconds = (System.nanoTime() - start) / 1e9;
    String text = captured.toString(StandardCharsets.UTF_8);
    System.out.println(text);

    Matcher m = null;
    for (String line : text.split("\n")) {
      Matcher candidate = MultiProcessDemo.SUMMARY.matcher(line.replaceFirst("^frontend\\s+\\| ", ""));
      if (candidate.matches()) m = candidate;
    }
    assertThat(m).as("the frontend's SUMMARY line in:%n%s", text).isNotNull();
    // The specific checks first, so that a failure names its cause; the exit status sums them up.
    assertThat(Long.parseLong(m.group("calls"))).isEqualTo(240);
    assertThat(Long.parseLong(m.group("failed"))).as("failed calls: %s", m.group("failures")).isZero();
    assertThat(Long.parseLong(m.group("ok"))).as("calls that ended ok (the others never ended)").isEqualTo(240);
    assertThat(text).as("the demo's own report").contains("child processes still alive: 0");
    assertThat(status).as("the demo's exit status; its output:%n%s", text).isZero();

    // Discovery: the frontend saw all three greeters register before the load.
    assertThat(text).contains("greeter endpoints in my view:").contains("LOAD START: 3 greeters discovered");
    assertThat(text).as("each process runs its admin server").contains("dashboard: http://127.0.0.1:")
        .contains("dashboard http://127.0.0.1:");
    Map<String, Long> before = counts(m.group("before"));
    assertThat(before).containsOnlyKeys("greeter-1", "greeter-2", "greeter-3");
    assertThat(before.values()).allMatch(n -> n > 0);
    // After the kill the two others answer; the killed one answered nothing once its endpoint left.
    assertThat(m.group("killed")).isEqualTo(MultiProcessDemo.KILLED);
    Map<String, Long> after = counts(m.group("after"));
    assertThat(after).containsKeys("greeter-1", "greeter-3");
    assertThat(after.getOrDefault("greeter-2", 0L)).isLessThanOrEqualTo(3); // responses in flight at the kill
    assertThat(m.group("removedAfterMs")).as("the killed greeter's endpoint never left").isNotEqualTo("never");
    long removedAfter = Long.parseLong(m.group("removedAfterMs"));
    // ZooKeeper expires a session one timeout after its last heartbeat (up to a third of it
    // before the kill), rounded to its 500 ms ticks.
    assertThat(removedAfter).isBetween(1_000L, 15_000L);
    assertThat(Long.parseLong(m.group("killedAfterRemoval"))).isZero();

    assertThat(text).contains("child processes still alive: 0").contains("result: no failed call");
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).toList())
        .isEmpty();
    // About 15 s on an idle 2-core machine (four JVMs start); the bound leaves room for a loaded one.
    assertThat(seconds).isLessThan(55);
  }

  private static Map<String, Long> counts(String s) {
    if (s.equals("none")) return Map.of();
    return Arrays.stream(s.split(",")).map(e -> e.split(":"))
        .collect(Collectors.toMap(e -> e[0], e -> Long.parseLong(e[1])));
  }
}
