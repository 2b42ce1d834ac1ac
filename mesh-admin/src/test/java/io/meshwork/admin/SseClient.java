package io.meshwork.admin;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A real client of /admin/events on a raw socket, collecting events (and comments) as they come. */
final class SseClient implements AutoCloseable {
  record Event(String type, String data) {}

  final List<Event> events = new CopyOnWriteArrayList<>();
  final List<String> comments = new CopyOnWriteArrayList<>();
  final List<String> head = new CopyOnWriteArrayList<>();
  volatile boolean ended;
  private final Raw raw;
  private final Thread reader;

  SseClient(InetSocketAddress address) throws IOException {
    raw = new Raw(address);
    raw.socket.setSoTimeout(0);
    raw.send("GET /admin/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n");
    reader = new Thread(this::read, "test-sse-reader");
    reader.setDaemon(true);
    reader.start();
  }

  private void read() {
    try {
      String line;
      while ((line = raw.line()) != null && !line.isEmpty()) {
        head.add(line);
      }
      String type = "message";
      List<String> data = new ArrayList<>();
      while ((line = raw.line()) != null) {
        if (line.isEmpty()) {
          if (!data.isEmpty()) {
            events.add(new Event(type, String.join("\n", data)));
          }
          type = "message";
          data.clear();
        } else if (line.startsWith(":")) {
          comments.add(line);
        } else if (line.startsWith("event: ")) {
          type = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data.add(line.substring(6));
        }
      }
    } catch (IOException e) {
      // closed
    } finally {
      ended = true;
    }
  }

  List<Event> ofType(String type) {
    return events.stream().filter(e -> e.type().equals(type)).toList();
  }

  @Override
  public void close() throws IOException {
    raw.close();
  }
}
