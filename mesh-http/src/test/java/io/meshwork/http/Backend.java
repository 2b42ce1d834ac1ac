package io.meshwork.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test service instance: a {@link MeshHttpServer} on loopback whose handler counts requests,
 * remembers their mesh headers, and answers with a settable status after a settable delay.
 */
final class Backend implements HttpHandler, AutoCloseable {
  final AtomicInteger hits = new AtomicInteger();
  final Queue<String> timeoutHeaders = new ConcurrentLinkedQueue<>();
  final Queue<String> attemptHeaders = new ConcurrentLinkedQueue<>();
  volatile int status = 200;
  volatile long delayMillis;
  final MeshHttpServer server;

  private Backend(Mesh mesh, int port) {
    this.server = MeshHttpServer.builder(mesh).bind("127.0.0.1", port).handler("/", this).build().start();
  }

  static Backend start(Mesh mesh) {
    return new Backend(mesh, 0);
  }

  static Backend start(Mesh mesh, int port) {
    return new Backend(mesh, port);
  }

  Backend delay(long millis) {
    this.delayMillis = millis;
    return this;
  }

  Backend status(int s) {
    this.status = s;
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
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
