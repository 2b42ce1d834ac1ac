package io.meshwork.admin;

import io.meshwork.core.Mesh;
import io.meshwork.http.MeshHttpServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** A real HTTP server on 127.0.0.1 answering {@code /hello} with a settable status. */
final class Greeter implements AutoCloseable {
  final AtomicInteger hits = new AtomicInteger();
  volatile int status = 200;
  final MeshHttpServer server;

  Greeter(Mesh mesh) {
    this(mesh, 0);
  }

  Greeter(Mesh mesh, int port) {
    server = MeshHttpServer.builder(mesh).bind("127.0.0.1", port).drainTimeout(Duration.ofMillis(100))
        .handler("/", exchange -> {
          hits.incrementAndGet();
          byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        }).start();
  }

  int port() {
    return server.port();
  }

  String address() {
    return "127.0.0.1:" + port();
  }

  @Override
  public void close() {
    server.close();
  }
}
