package io.meshwork.admin;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small non-blocking HTTP/1.1 server on one selector thread: enough of HTTP for a read-only
 * admin surface and for thousands of idle server-sent-event streams without a thread each.
 *
 * <p>It parses the request line and headers (at most {@link #MAX_HEAD} bytes, else 431), keeps
 * connections alive unless asked not to, and never reads request bodies (a request that has one
 * is answered and the connection closed). What to answer is the router's business: it returns a
 * {@link Reply} at once, a future one (rendered off the selector thread), or asks for an event
 * stream. Everything touching sockets runs on the selector thread; other threads post tasks.
 */
final class AdminHttpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminHttpServer.class);

  /** Largest request head (request line and headers) accepted. */
  static final int MAX_HEAD = 8 * 1024;
  /** Bytes a stream client may have waiting (beyond what the kernel buffers) before it is cut off. */
  static final int MAX_STREAM_PENDING = 64 * 1024;
  /** Kernel send buffer asked for on a stream connection, so a client that never reads holds little. */
  static final int STREAM_SEND_BUFFER = 32 * 1024;
  /** Connections beyond this are closed as they are accepted. */
  static final int MAX_CONNECTIONS = 4_096;
  /** A connection without a complete request for this long, outside a stream, is closed. */
  static final long IDLE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

  /** A parsed request head. Header names are lower case. */
  record Request(String method, String path, String query, String version, Map<String, String> headers) {
    boolean head() {
      return method.equals("HEAD");
    }
  }

  /** What the router decided. */
  sealed interface Reply permits Response, Deferred, Stream {}

  /** A complete response. {@code headers} are name, value pairs. */
  record Response(int status, String contentType, byte[] body, List<String> headers) implements Reply {
    static Response text(int status, String text) {
      return new Response(status, "text/plain; charset=utf-8",
          (text + "\n").getBytes(StandardCharsets.UTF_8), List.of());
    }

    Response withHeaders(String... nameValues) {
      List<String> all = new ArrayList<>(headers);
      all.addAll(List.of(nameValues));
      return new Response(status, contentType, body, List.copyOf(all));
    }
  }

  /** A response that another thread completes. */
  record Deferred(CompletableFuture<Response> response) implements Reply {}

  /**
   * An event stream: the connection stays open and receives whatever is {@linkplain #broadcast
   * broadcast}, starting with {@code replay}.
   */
  record Stream(byte[] replay) implements Reply {}

  private final ServerSocketChannel listener;
  private final InetSocketAddress address;
  private final Selector selector;
  private final Function<Request, Reply> router;
  private final int maxStreams;
  private final Thread thread;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean wakeupPending = new AtomicBoolean();
  private final Set<Conn> conns = new HashSet<>();
  private final Set<Conn> streams = new HashSet<>();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean running = true;
  private final AtomicLong pendingBytes = new AtomicLong();
  private final AtomicInteger connectionCount = new AtomicInteger();
  private final AtomicInteger streamCount = new AtomicInteger();
  private final AtomicLong slowStreamsClosed = new AtomicLong();
  private final long keepAliveNanos;
  private long nextKeepAlive;
  private long nextSweep;

  private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

  AdminHttpServer(InetSocketAddress bind, Function<Request, Reply> router, int maxStreams,
      long keepAliveNanos) throws IOException {
    this.router = router;
    this.maxStreams = maxStreams;
    this.keepAliveNanos = keepAliveNanos;
    this.selector = Selector.open();
    try {
      this.listener = ServerSocketChannel.open();
      listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      listener.bind(bind, 1024);
      listener.configureBlocking(false);
      listener.register(selector, SelectionKey.OP_ACCEPT);
    } catch (IOException | RuntimeException e) {
      selector.close();
      throw e;
    }
    this.address = (InetSocketAddress) listener.getLocalAddress();
    long now = System.nanoTime();
    this.nextKeepAlive = now + keepAliveNanos;
    this.nextSweep = now + TimeUnit.SECONDS.toNanos(1);
    this.thread = new Thread(this::loop, "meshwork-admin-http");
    thread.setDaemon(true);
    thread.start();
  }

  InetSocketAddress address() {
    return address;
  }

  /** Bytes queued in this process for clients that have not taken them yet. */
  long pendingBytes() {
    return pendingBytes.get();
  }

  /** Open connections, streams included. */
  int connections() {
    return connectionCount.get();
  }

  /** Open event streams. */
  int streams() {
    return streamCount.get();
  }

  /** Streams closed because their client fell more than {@link #MAX_STREAM_PENDING} behind. */
  long slowStreamsClosed() {
    return slowStreamsClosed.get();
  }

  /** Runs {@code task} on the selector thread. */
  void execute(Runnable task) {
    tasks.add(task);
    if (wakeupPending.compareAndSet(false, true)) {
      selector.wakeup();
    }
  }

  /** Sends {@code frame} to every open stream. Selector thread only. */
  void broadcast(byte[] frame) {
    if (streams.isEmpty()) {
      return;
    }
    ByteBuffer shared = ByteBuffer.wrap(frame).asReadOnlyBuffer();
    for (Conn c : List.copyOf(streams)) {
      c.send(shared.duplicate());
    }
  }

  @Override
  public void close() {
    if (!running) {
      return;
    }
    running = false;
    selector.wakeup();
    if (Thread.currentThread() != thread) {
      try {
        if (!stopped.await(5, TimeUnit.SECONDS)) {
          log.warn("admin server: the selector thread did not stop within 5 s");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void loop() {
    try {
      while (running) {
        long now = System.nanoTime();
        long waitMillis = Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(nextKeepAlive - now),
            TimeUnit.NANOSECONDS.toMillis(nextSweep - now)));
        selector.select(waitMillis);
        wakeupPending.set(false);
        if (!running) {
          break;
        }
        Runnable task;
        while ((task = tasks.poll()) != null) {
          try {
            task.run();
          } catch (RuntimeException e) {
            log.warn("admin server: a task failed", e);
          }
        }
        Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
          SelectionKey key = keys.next();
          keys.remove();
          if (!key.isValid()) {
            continue;
          }
          if (key.isAcceptable()) {
            accept();
          } else {
            Conn c = (Conn) key.attachment();
            try {
              if (key.isWritable()) {
                c.flush();
              }
              if (key.isValid() && key.isReadable()) {
                c.read();
              }
            } catch (RuntimeException e) {
              log.warn("admin server: closing a connection after an unexpected failure", e);
              c.close();
            }
          }
        }
        now = System.nanoTime();
        if (now - nextKeepAlive >= 0) {
          nextKeepAlive = now + keepAliveNanos;
          broadcast(KEEP_ALIVE);
        }
        if (now - nextSweep >= 0) {
          nextSweep = now + TimeUnit.SECONDS.toNanos(1);
          for (Conn c : List.copyOf(conns)) {
            if (!c.stream && !c.awaiting && now - c.lastActivity > IDLE_TIMEOUT_NANOS) {
              c.close();
            }
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      log.error("admin server: the selector loop failed; the admin server stops", e);
    } finally {
      for (Conn c : List.copyOf(conns)) {
        c.close();
      }
      try {
        listener.close();
      } catch (IOException e) {
        log.debug("admin server: closing the listener", e);
      }
      try {
        selector.close();
      } catch (IOException e) {
        log.debug("admin server: closing the selector", e);
      }
      stopped.countDown();
    }
  }

  private void accept() throws IOException {
    SocketChannel ch;
    while ((ch = listener.accept()) != null) {
      if (conns.size() >= MAX_CONNECTIONS) {
        log.debug("admin server: {} connections open; refusing one more", conns.size());
        ch.close();
        continue;
      }
      ch.configureBlocking(false);
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      Conn c = new Conn(ch);
      c.key = ch.register(selector, SelectionKey.OP_READ, c);
      conns.add(c);
      connectionCount.incrementAndGet();
    }
  }

  /** One client connection. Selector thread only. */
  private final class Conn {
    final SocketChannel ch;
    SelectionKey key;
    ByteBuffer in = ByteBuffer.allocate(MAX_HEAD);
    final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
    long pending;
    long lastActivity = System.nanoTime();
    boolean stream;
    boolean awaiting;            // a deferred response is being rendered
    boolean closeAfterWrite;
    boolean closed;

    Conn(SocketChannel ch) {
      this.ch = ch;
    }

    void read() {
      if (!in.hasRemaining() && !stream) {
        // A full buffer waiting for a response in progress: stop reading until it is written.
        key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
        return;
      }
      int n;
      try {
        n = ch.read(in);
      } catch (IOException e) {
        close();
        return;
      }
      if (n < 0) {
        close();
        return;
      }
      lastActivity = System.nanoTime();
      if (stream) {
        in.clear();              // whatever a stream client sends is ignored
        return;
      }
      process();
    }

    /** Answers every complete request in the buffer, one at a time. */
    void process() {
      while (!closed && !awaiting && !stream && !closeAfterWrite) {
        int end = headEnd();
        if (end < 0) {
          if (!in.hasRemaining()) {
            closeAfterWrite = true;
            respond(Response.text(431, "request head larger than " + MAX_HEAD + " bytes"), false, false);
          }
          return;
        }
        String head = new String(in.array(), 0, end, StandardCharsets.ISO_8859_1);
        compactAfter(end + 4);
        handle(head);
      }
    }

    private int headEnd() {
      byte[] a = in.array();
      for (int i = 0; i + 3 < in.position(); i++) {
        if (a[i] == '\r' && a[i + 1] == '\n' && a[i + 2] == '\r' && a[i + 3] == '\n') {
          return i;
        }
      }
      return -1;
    }

    private void compactAfter(int consumed) {
      in.flip();
      in.position(consumed);
      in.compact();
    }

    private void handle(String head) {
      String[] lines = head.split("\r\n", -1);
      String[] parts = lines[0].split(" ", -1);
      if (parts.length != 3 || parts[0].isEmpty() || !(parts[1].startsWith("/") || parts[1].equals("*"))
          || !parts[2].startsWith("HTTP/1.")) {
        closeAfterWrite = true;
        respond(Response.text(400, "malformed request line: '" + printable(lines[0]) + "'"
            + " (expected: METHOD /path HTTP/1.1)"), false, false);
        return;
      }
      Map<String, String> headers = new TreeMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon <= 0) {
          closeAfterWrite = true;
          respond(Response.text(400, "malformed header line " + i + ": '" + printable(lines[i]) + "'"),
              false, false);
          return;
        }
        headers.merge(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
            lines[i].substring(colon + 1).trim(), (a, b) -> a + ", " + b);
      }
      String target = parts[1];
      int q = target.indexOf('?');
      Request request = new Request(parts[0], q < 0 ? target : target.substring(0, q),
          q < 0 ? "" : target.substring(q + 1), parts[2], headers);
      String connection = headers.getOrDefault("connection", "").toLowerCase(Locale.ROOT);
      boolean keepAlive = parts[2].equals("HTTP/1.1") ? !connection.contains("close")
          : connection.contains("keep-alive");
      // Bodies are never read: a request with one is answered and the connection closed.
      if (headers.containsKey("transfer-encoding")
          || !headers.getOrDefault("content-length", "0").equals("0")) {
        keepAlive = false;
      }
      if (!keepAlive) {
        closeAfterWrite = true;
      }
      Reply reply;
      try {
        reply = router.apply(request);
      } catch (RuntimeException e) {
        log.warn("admin server: routing {} {} failed", request.method(), request.path(), e);
        reply = Response.text(500, "internal error: " + e);
      }
      boolean headOnly = request.head();
      if (reply instanceof Response r) {
        respond(r, headOnly, keepAlive);
      } else if (reply instanceof Deferred d) {
        awaiting = true;
        boolean ka = keepAlive;
        d.response().whenComplete((r, e) -> execute(() -> {
          awaiting = false;
          if (closed) {
            return;
          }
          Response answer = r;
          if (e != null || r == null) {
            log.warn("admin server: rendering {} failed", request.path(), e);
            answer = Response.text(500, "internal error: " + e);
          }
          respond(answer, headOnly, ka);
          if (!closed) {
            key.interestOps(key.interestOps() | SelectionKey.OP_READ);
            process();
          }
        }));
      } else if (reply instanceof Stream s) {
        if (headOnly) {
          respond(new Response(200, "text/event-stream; charset=utf-8", new byte[0],
              List.of("Cache-Control", "no-store")), true, keepAlive);
        } else if (streams.size() >= maxStreams) {
          closeAfterWrite = true;
          respond(Response.text(503, "too many event streams open (" + maxStreams + "); try later")
              .withHeaders("Retry-After", "5"), false, false);
        } else {
          startStream(s);
        }
      }
    }

    private void startStream(Stream s) {
      stream = true;
      closeAfterWrite = false;           // a stream ends with its connection anyway (Connection: close, HTTP/1.0)
      in = ByteBuffer.allocate(256);     // what a stream client sends is discarded: hold little for it
      streams.add(this);
      streamCount.incrementAndGet();
      try {
        ch.setOption(StandardSocketOptions.SO_SNDBUF, STREAM_SEND_BUFFER);
      } catch (IOException e) {
        log.debug("admin server: SO_SNDBUF", e);
      }
      String headers = "HTTP/1.1 200 OK\r\n"
          + "Content-Type: text/event-stream; charset=utf-8\r\n"
          + "Cache-Control: no-store\r\n"
          + "X-Content-Type-Options: nosniff\r\n"
          + "\r\n"                          // no length: the stream lasts until the connection does
          + "retry: 2000\n\n";
      send(ByteBuffer.wrap(headers.getBytes(StandardCharsets.US_ASCII)));
      if (s.replay().length > 0) {
        send(ByteBuffer.wrap(s.replay()));
      }
    }

    void respond(Response r, boolean headOnly, boolean keepAlive) {
      StringBuilder h = new StringBuilder(256)
          .append("HTTP/1.1 ").append(r.status()).append(' ').append(reason(r.status())).append("\r\n")
          .append("Content-Type: ").append(r.contentType()).append("\r\n")
          .append("Content-Length: ").append(r.body().length).append("\r\n")
          .append("X-Content-Type-Options: nosniff\r\n");
      for (int i = 0; i + 1 < r.headers().size(); i += 2) {
        h.append(r.headers().get(i)).append(": ").append(r.headers().get(i + 1)).append("\r\n");
      }
      if (!keepAlive || closeAfterWrite) {
        h.append("Connection: close\r\n");
        closeAfterWrite = true;
      }
      h.append("\r\n");
      byte[] head = h.toString().getBytes(StandardCharsets.ISO_8859_1);
      int bodyLength = headOnly ? 0 : r.body().length;
      ByteBuffer all = ByteBuffer.allocate(head.length + bodyLength).put(head).put(r.body(), 0, bodyLength);
      send(all.flip());
    }

    /** Queues {@code buffer} and writes what the socket takes now. */
    void send(ByteBuffer buffer) {
      if (closed) {
        return;
      }
      int n = buffer.remaining();
      out.add(buffer);
      pending += n;
      pendingBytes.addAndGet(n);
      flush();
      if (!closed && stream && pending > MAX_STREAM_PENDING) {
        slowStreamsClosed.incrementAndGet();
        log.debug("admin server: closing an event stream {} bytes behind", pending);
        close();
      }
    }

    void flush() {
      if (closed) {
        return;
      }
      try {
        while (!out.isEmpty()) {
          ByteBuffer b = out.peek();
          int n = ch.write(b);
          pending -= n;
          pendingBytes.addAndGet(-n);
          if (b.hasRemaining()) {
            key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
            return;
          }
          out.poll();
        }
        key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
        if (closeAfterWrite) {
          close();
        }
      } catch (IOException | java.nio.channels.CancelledKeyException e) {
        close();
      }
    }

    void close() {
      if (closed) {
        return;
      }
      closed = true;
      pendingBytes.addAndGet(-pending);
      pending = 0;
      out.clear();
      if (conns.remove(this)) {
        connectionCount.decrementAndGet();
      }
      if (streams.remove(this)) {
        streamCount.decrementAndGet();
      }
      if (key != null) {
        key.cancel();
      }
      try {
        ch.close();
      } catch (IOException e) {
        log.debug("admin server: closing a connection", e);
      }
    }
  }

  private static String printable(String s) {
    String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
    StringBuilder b = new StringBuilder(cut.length());
    for (char ch : cut.toCharArray()) {
      b.append(ch >= 0x20 && ch < 0x7f ? ch : '?');
    }
    return b.toString();
  }

  static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 301 -> "Moved Permanently";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 431 -> "Request Header Fields Too Large";
      case 500 -> "Internal Server Error";
      case 501 -> "Not Implemented";
      case 503 -> "Service Unavailable";
      default -> "Status";
    };
  }
}
