package io.meshwork.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsExchange;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshContext;
import io.meshwork.core.model.Endpoint;
import io.meshwork.tls.MeshTls;
import io.opentelemetry.context.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A test service instance: a {@link MeshHttpServer} on loopback whose handler counts requests,
 * remembers their mesh headers and the caller identity of the last one (from the mesh context),
 * and answers with a settable status after a settable delay.
 */
final class Backend implements HttpHandler, AutoCloseable {
  final AtomicInteger hits = new AtomicInteger();
  final Queue<String> timeoutHeaders = new ConcurrentLinkedQueue<>();
  final Queue<String> attemptHeaders = new ConcurrentLinkedQueue<>();
  volatile int status = 200;
  /** Requests still to answer with 503 before {@link #status} applies (see {@link #failFirst}). */
  final AtomicInteger failuresLeft = new AtomicInteger();
  volatile long delayMillis;
  /** The caller identity of the last request, "" when it had none. */
  volatile String lastCaller;
  /** The IDs of the TLS sessions requests came over (one per connection: nothing is resumed). */
  final Set<String> tlsSessions = ConcurrentHashMap.newKeySet();
  /** The serials of the client certificates requests came with. */
  final Set<BigInteger> clientCertificates = ConcurrentHashMap.newKeySet();
  final MeshHttpServer server;

  private Backend(Mesh mesh, int port, Consumer<MeshHttpServer.Builder> settings) {
    MeshHttpServer.Builder b = MeshHttpServer.builder(mesh).bind("127.0.0.1", port).handler("/", this);
    settings.accept(b);
    this.server = b.start();
  }

  static Backend start(Mesh mesh) {
    return new Backend(mesh, 0, b -> {});
  }

  /** A backend that registers itself as an endpoint of {@code mesh}'s service. */
  static Backend startRegistered(Mesh mesh) {
    return new Backend(mesh, 0, b -> b.register(true));
  }

  static Backend start(Mesh mesh, int port) {
    return new Backend(mesh, port, b -> {});
  }

  /** A backend whose server has {@code tls} (mutual TLS as the registry's mode says). */
  static Backend start(Mesh mesh, MeshTls tls) {
    return new Backend(mesh, 0, b -> b.tls(tls));
  }

  /** A backend whose server has {@code tls} and the other {@code settings}. */
  static Backend start(Mesh mesh, MeshTls tls, Consumer<MeshHttpServer.Builder> settings) {
    return new Backend(mesh, 0, b -> settings.accept(b.tls(tls)));
  }

  Backend delay(long millis) {
    this.delayMillis = millis;
    return this;
  }

  Backend status(int s) {
    this.status = s;
    return this;
  }

  /** Answers the next {@code n} requests with 503, then with {@link #status} again. */
  Backend failFirst(int n) {
    failuresLeft.set(n);
    return this;
  }

  int port() {
    return server.port();
  }

  Endpoint endpoint() {
    return Endpoint.of("127.0.0.1:" + port());
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    String caller = MeshContext.callerIdentity(Context.current());
    lastCaller = caller == null ? "" : caller;
    if (exchange instanceof HttpsExchange https && "TLSv1.3".equals(https.getSSLSession().getProtocol())) {
      SSLSession session = https.getSSLSession();
      tlsSessions.add(HexFormat.of().formatHex(session.getId()));
      try {
        clientCertificates.add(((X509Certificate) session.getPeerCertificates()[0]).getSerialNumber());
      } catch (SSLPeerUnverifiedException e) {
        // a TLS client without a certificate (permissive mode)
      }
    }
    hits.incrementAndGet();
    String t = exchange.getRequestHeaders().getFirst("mesh-timeout-ms");
    if (t != null) timeoutHeaders.add(t);
    String a = exchange.getRequestHeaders().getFirst("mesh-attempt");
    if (a != null) attemptHeaders.add(a);
    try (InputStream in = exchange.getRequestBody()) {
      in.readAllBytes();
    }
    if (delayMillis > 0) {
      try {
        Thread.sleep(delayMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
    int answer = failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? 503 : status;
    exchange.sendResponseHeaders(answer, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
