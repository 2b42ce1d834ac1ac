package io.meshwork.spring.boot;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A loopback HTTP server standing in for a greeter replica; records what each request carried. */
final class Greeter implements AutoCloseable {
  record Seen(String method, String path, String body, String timeoutHeader, String contentType) {}

  final List<Seen> seen = new CopyOnWriteArrayList<>();
  /** Requests still to answer with 503, before answering as usual. */
  final java.util.concurrent.atomic.AtomicInteger failNext = new java.util.concurrent.atomic.AtomicInteger();
  private final HttpServer server;

  Greeter() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String path = exchange.getRequestURI().getRawPath()
          + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
      seen.add(new Seen(exchange.getRequestMethod(), path, body,
          exchange.getRequestHeaders().getFirst("mesh-timeout-ms"),
          exchange.getRequestHeaders().getFirst("Content-Type")));
      int status = failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? 503 : path.startsWith("/missing") ? 404 : 200;
      byte[] out = ("hello " + (body.isEmpty() ? path : body)).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("X-Greeter", "yes");
      exchange.getResponseHeaders().add("Content-Type", "text/plain");
      exchange.sendResponseHeaders(status, out.length);
      try (OutputStream o = exchange.getResponseBody()) {
        o.write(out);
      }
    });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
