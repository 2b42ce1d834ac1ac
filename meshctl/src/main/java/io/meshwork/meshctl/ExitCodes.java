package io.meshwork.meshctl;

/** The exit code list every command's {@code --help} shows (see {@link Meshctl}). */
final class ExitCodes {
  static final String HEADING = "%nExit codes:%n";
  static final String OK = "0:ok";
  static final String INVALID = "1:invalid input (document problems as file:line:column, bad option, unknown service)";
  static final String CONFLICT = "2:conflict: the document changed since the version your edit is based on";
  static final String ZOOKEEPER = "3:ZooKeeper unreachable, or permission denied (the message says which)";

  private ExitCodes() {}
}
