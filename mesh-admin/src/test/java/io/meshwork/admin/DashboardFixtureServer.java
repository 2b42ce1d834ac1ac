package io.meshwork.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Serves the dashboard page with canned {@code state.json} and {@code mesh.json} and a
 * scriptable server-sent event stream, on 127.0.0.1, the way the admin server lays them out
 * ({@code /admin}, {@code /admin/}, {@code /admin/state.json}, {@code /admin/mesh.json},
 * {@code /admin/events}). Lets the page be tested in a real browser without a mesh; records
 * every path requested so a test can check the page fetched nothing else.
 */
final class DashboardFixtureServer implements AutoCloseable {

  static final String DASHBOARD = "/io/meshwork/admin/dashboard.html";

  private final HttpServer server;
  private final ExecutorService executor;
  private final AtomicReference<Supplier<String>> state = new AtomicReference<>();
  private final AtomicReference<String> mesh = new AtomicReference<>();
  private final List<String> replay = new ArrayList<>();
  private final List<OutputStream> streams = new CopyOnWriteArrayList<>();
  private final List<String> requested = new CopyOnWriteArrayList<>();
  private final CountDownLatch closed = new CountDownLatch(1);

  DashboardFixtureServer(String stateJson, String meshJson) throws IOException {
    state.set(() -> stateJson);
    mesh.set(meshJson);
    executor = Executors.newFixedThreadPool(8, r -> {
      Thread t = new Thread(r, "dashboard-fixture");
      t.setDaemon(true);
      return t;
    });
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  static String resource(String name) {
    try (InputStream in = DashboardFixtureServer.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("test resource missing on the class path: " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  void state(String json) {
    state.set(() -> json);
  }

  /** state.json made afresh for each request. */
  void state(Supplier<String> json) {
    state.set(json);
  }

  /** The mesh.json to serve; null answers 503. */
  void mesh(String json) {
    mesh.set(json);
  }

  /** Every path the browser asked for, in order. */
  List<String> requested() {
    return List.copyOf(requested);
  }

  /** Sends one event to every connected stream and keeps it for the replay on connect. */
  synchronized void emit(String type, String dataJson) {
    String frame = "event: " + type + "\ndata: " + dataJson + "\n\n";
    replay.add(frame);
    if (replay.size() > 100) {
      replay.remove(0);
    }
    for (OutputStream out : streams) {
      try {
        out.write(frame.getBytes(StandardCharsets.UTF_8));
        out.flush();
      } catch (IOException e) {
        streams.remove(out);
      }
    }
  }

  int connectedStreams() {
    return streams.size();
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    requested.add(path);
    try (exchange) {
      switch (path) {
        case "/admin", "/admin/" -> {
          // The admin server's policy, so that the page is tested under it.
          exchange.getResponseHeaders().set("Content-Security-Policy", MeshAdmin.CONTENT_SECURITY_POLICY);
          send(exchange, "text/html; charset=utf-8", resource(DASHBOARD));
        }
        case "/admin/state.json" -> send(exchange, "application/json", state.get().get());
        case "/admin/mesh.json" -> {
          if (mesh.get() == null) {
            exchange.sendResponseHeaders(503, -1);
          } else {
            send(exchange, "application/json", mesh.get());
          }
        }
        case "/admin/events" -> stream(exchange);
        default -> {
          exchange.sendResponseHeaders(404, -1);
        }
      }
    }
  }

  private static void send(HttpExchange exchange, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(200, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private void stream(HttpExchange exchange) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    synchronized (this) {
      for (String frame : replay) {
        out.write(frame.getBytes(StandardCharsets.UTF_8));
      }
      out.write(": connected\n\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      streams.add(out);
    }
    try {
      closed.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      streams.remove(out);
    }
  }

  @Override
  public void close() {
    if (closed.getCount() == 0) {
      return;
    }
    closed.countDown();
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
