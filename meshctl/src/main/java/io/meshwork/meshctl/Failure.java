package io.meshwork.meshctl;

/**
 * A command failed in a way the operator should read: a one-line message (printed as
 * {@code meshctl: <message>}) and the exit code that says what kind of failure it was.
 */
final class Failure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final int exitCode;

  Failure(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  static Failure invalid(String message) {
    return new Failure(Meshctl.EXIT_INVALID, message);
  }

  static Failure conflict(String message) {
    return new Failure(Meshctl.EXIT_CONFLICT, message);
  }

  static Failure zookeeper(String message) {
    return new Failure(Meshctl.EXIT_ZOOKEEPER, message);
  }
}
