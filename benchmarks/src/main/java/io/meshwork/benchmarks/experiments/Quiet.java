package io.meshwork.benchmarks.experiments;

/**
 * Logging and AWT settings of the experiments, set before any logger or chart class loads: no
 * per-request access log (a DEBUG logger, off by default, kept off here whatever the default
 * level: a line per call would cost more than the calls), the mesh's decisions (ejections,
 * breaker transitions) still shown, charts drawn without a display.
 */
final class Quiet {
  private Quiet() {}

  static void logs() {
    System.setProperty("org.slf4j.simpleLogger.log.meshwork.access", "warn");
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
    System.setProperty("java.awt.headless", "true");
  }
}
