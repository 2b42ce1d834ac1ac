package io.meshwork.zookeeper;

import com.sun.net.httpserver.HttpServer;
import io.meshwork.core.model.Endpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/** A small real HTTP server on 127.0.0.1 that answers 200 and counts requests. */
final class HttpBackend implements AutoCloseable {
  final AtomicInteger hits = new AtomicInteger();
  private final HttpServer server;

  HttpBackend() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.createContext("/", exchange -> {
      hits.incrementAndGet();
      byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  Endpoint endpoint() {
    return Endpoint.of("127.0.0.1:" + port());
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
