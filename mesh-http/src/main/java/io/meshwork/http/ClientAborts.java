package io.meshwork.http;

import java.net.SocketException;
import java.util.Locale;

/**
 * Tells a client that went away (it closed the connection, or cancelled the call, which closes
 * it) from a failure of the server, by the exception that writing the response ended with. The
 * inbound transports then record the request as cancelled ({@code InboundCall.cancelled()}),
 * not as a 500.
 */
final class ClientAborts {
  /** Causes looked at, at most: exceptions wrap each other a few times, never this often. */
  private static final int MAX_DEPTH = 8;

  private ClientAborts() {}

  /**
   * Whether {@code e}, thrown while writing a response to the client's connection, says that the
   * connection is gone: a {@link SocketException}, or the system's broken-pipe or reset error
   * (an {@link java.io.IOException} with its message: "Broken pipe", "Connection reset by
   * peer"), here or in a cause. The JDK's own errors for a handler's misuse of the stream (too
   * many or too few bytes for the content length, a write after close) are none of these: they
   * stay the handler's failures.
   */
  static boolean connectionLost(Throwable e) {
    for (int depth = 0; e != null && depth < MAX_DEPTH; e = e.getCause(), depth++) {
      if (e instanceof SocketException) return true;
      String message = e.getMessage();
      if (message != null) {
        String m = message.toLowerCase(Locale.ROOT);
        if (m.contains("broken pipe") || m.contains("connection reset") || m.contains("connection was aborted")
            || m.contains("forcibly closed")) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether {@code e}, thrown by a servlet chain, is the container's signal that the client went
   * away while the response was written: Tomcat's {@code ClientAbortException}, Jetty's {@code
   * EofException}, here or in a cause. Matched by class name, as the filter depends on no
   * container. Other exceptions, whatever their message, may come from the application's own
   * connections and stay failures.
   */
  static boolean containerAbort(Throwable e) {
    for (int depth = 0; e != null && depth < MAX_DEPTH; e = e.getCause(), depth++) {
      String name = e.getClass().getSimpleName();
      if (name.equals("ClientAbortException") || name.equals("EofException")) return true;
    }
    return false;
  }
}
