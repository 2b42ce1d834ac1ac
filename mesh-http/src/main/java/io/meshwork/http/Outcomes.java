package io.meshwork.http;

import io.meshwork.core.Outcome;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Locale;
import javax.net.ssl.SSLHandshakeException;

/** Maps what OkHttp reported for one attempt to the engine's {@link Outcome}: facts only. */
final class Outcomes {
  private Outcomes() {}

  /**
   * Classifies an attempt's exception. Connect-phase failures (refused, no route, unknown host,
   * connect timeout, TLS handshake) say the request was never sent, so even a POST may be
   * retried; anything after that may have reached the server.
   */
  static Outcome of(IOException e, boolean canceled) {
    if (canceled) return Outcome.cancelled();
    if (e instanceof ConnectException || e instanceof NoRouteToHostException
        || e instanceof PortUnreachableException || e instanceof UnknownHostException
        || e instanceof SSLHandshakeException) {
      return Outcome.connectFailure(e);
    }
    if (e instanceof SocketTimeoutException) {
      // java.net says "Connect timed out" for a connect timeout: nothing was sent.
      String m = e.getMessage();
      if (m != null && m.toLowerCase(Locale.ROOT).startsWith("connect timed out")) {
        return Outcome.connectFailure(e);
      }
      return Outcome.timeout();
    }
    if (e instanceof InterruptedIOException) {
      // OkHttp's call timeout, or an interrupted thread: the caller gave up.
      return Outcome.cancelled();
    }
    return Outcome.reset(e);
  }
}
