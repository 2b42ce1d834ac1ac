package io.meshwork.meshctl;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import picocli.CommandLine;

/**
 * {@code meshctl}, the operators' command-line tool: {@code validate} a mesh document offline
 * with the registry's own checks, {@code get} and {@code publish} the document in ZooKeeper
 * with a version check, and list a service's live {@code endpoints}. See the module's README
 * for the manual; {@code java -jar meshctl.jar --help} for the summary.
 *
 * <p>Exit codes: {@value #EXIT_OK} ok, {@value #EXIT_INVALID} invalid input, {@value
 * #EXIT_CONFLICT} conflict (the document changed since the version an edit is based on),
 * {@value #EXIT_ZOOKEEPER} ZooKeeper unreachable or permission denied (the message says
 * which).
 */
public final class Meshctl {
  /** Done. */
  public static final int EXIT_OK = 0;
  /** Invalid input: a bad document (problems printed as {@code file:line:column}), a bad option, an unknown service. */
  public static final int EXIT_INVALID = 1;
  /** Conflict: the document in ZooKeeper changed since the version the edit is based on; nothing was written. */
  public static final int EXIT_CONFLICT = 2;
  /** ZooKeeper unreachable within the timeout, or permission denied; the message says which. */
  public static final int EXIT_ZOOKEEPER = 3;

  private Meshctl() {}

  /** Runs meshctl and exits the JVM with its exit code. */
  public static void main(String[] args) {
    // ZooKeeper's client logs every failed connection attempt; meshctl reports failures itself.
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "off");
    }
    System.exit(run(args, System.out, System.err));
  }

  /**
   * Runs meshctl in this process: parses {@code args}, runs the command, and returns the exit
   * code. The environment variables {@code MESHCTL_ZOOKEEPER} and {@code MESHCTL_AUTH} give
   * defaults for {@code --zookeeper} and {@code --auth}.
   *
   * @param args the command line, e.g. {@code validate mesh.yaml}
   * @param out where results go
   * @param err where problems and errors go
   * @return the exit code, one of the {@code EXIT_*} constants
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, out, err, System.getenv());
  }

  static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    Objects.requireNonNull(args, "args");
    PrintWriter o = new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true);
    PrintWriter e = new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true);
    CommandLine cl = new CommandLine(new MeshctlCommand(Map.copyOf(env)));
    cl.setOut(o);
    cl.setErr(e);
    cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
      if (ex instanceof Failure f) {
        cmd.getErr().println("meshctl: " + f.getMessage());
        return f.exitCode;
      }
      cmd.getErr().println("meshctl: internal error: " + ex);
      ex.printStackTrace(cmd.getErr());
      return EXIT_INVALID;
    });
    try {
      return cl.execute(args);
    } finally {
      o.flush();
      e.flush();
    }
  }

  /** {@code 1 problem}, {@code 2 problems}. */
  static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  /** {@code 10s}, {@code 500ms}: a duration as the options take it. */
  static String format(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }
}
