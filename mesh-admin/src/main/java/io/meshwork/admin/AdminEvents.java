package io.meshwork.admin;

import io.meshwork.core.CircuitState;
import io.meshwork.core.MeshEventListener;
import io.meshwork.core.MeshException;
import io.meshwork.core.Outcome;
import io.meshwork.core.model.Endpoint;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns the engine's decisions into server-sent events for {@code /admin/events}.
 *
 * <p>The listener methods run on request threads, so they only format one line of JSON and
 * offer it to a bounded lock-free queue ({@link #MAX_QUEUED}; beyond it the event is dropped and
 * counted); the selector thread drains the queue, keeps the last {@link #REPLAY} events for new
 * clients and writes to every stream. Refusals (call refused, retry budget refused) come in
 * storms, so at most {@link #REFUSALS_PER_SECOND} per type and service are published each second;
 * the next one published says how many were left out.
 */
final class AdminEvents implements MeshEventListener {
  /** Events replayed to a client on connect. */
  static final int REPLAY = 100;
  /** Events waiting for the selector thread, at most. */
  static final int MAX_QUEUED = 4_096;
  /** Refusal events per type and service per second, at most. */
  static final int REFUSALS_PER_SECOND = 5;
  private static final int MAX_LIMITERS = 1_024;

  private final Clock clock;
  private final AdminHttpServer server;
  private final ConcurrentLinkedQueue<byte[]> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong published = new AtomicLong();
  private final AtomicInteger drainScheduled = new AtomicInteger();
  private final ArrayDeque<byte[]> replay = new ArrayDeque<>(REPLAY);   // selector thread only
  private final ConcurrentHashMap<String, Limiter> limiters = new ConcurrentHashMap<>();
  private final Runnable drain = this::drain;

  AdminEvents(Clock clock, AdminHttpServer server) {
    this.clock = clock;
    this.server = server;
  }

  /** Events dropped because the queue was full. */
  long dropped() {
    return dropped.get();
  }

  /** Events waiting for the selector thread now. */
  int queuedNow() {
    return queued.get();
  }

  /** Events accepted for publication. */
  long published() {
    return published.get();
  }

  @Override
  public void onEjected(String service, Endpoint endpoint, long durationNanos, int ejectionsInRow) {
    publish("ejected", service, endpoint.address().toString(), "ejected for "
        + TimeUnit.NANOSECONDS.toMillis(durationNanos) + " ms (" + ejectionsInRow + " in a row)");
  }

  @Override
  public void onReadmitted(String service, Endpoint endpoint) {
    publish("readmitted", service, endpoint.address().toString(), "readmitted");
  }

  @Override
  public void onCircuitStateChanged(String service, CircuitState from, CircuitState to) {
    publish("circuit", service, null, name(from) + " -> " + name(to));
  }

  @Override
  public void onRetryBudgetExhausted(String service, Outcome lastOutcome) {
    int suppressed = admit("budget-refused", service);
    if (suppressed >= 0) {
      publish("budget-refused", service, null, "retry budget refused a retry after " + lastOutcome
          + more(suppressed));
    }
  }

  @Override
  public void onCallRejected(String service, MeshException reason) {
    int suppressed = admit("call-refused", service);
    if (suppressed >= 0) {
      publish("call-refused", service, null, firstLine(reason.getMessage()) + more(suppressed));
    }
  }

  /**
   * Formats and queues one event; never blocks. {@code service} and {@code endpoint} may be null.
   */
  void publish(String type, String service, String endpoint, String detail) {
    if (queued.incrementAndGet() > MAX_QUEUED) {
      queued.decrementAndGet();
      dropped.incrementAndGet();
      return;
    }
    queue.add(frame(type, at(), service, endpoint, detail));
    published.incrementAndGet();
    if (drainScheduled.compareAndSet(0, 1)) {
      server.execute(drain);
    }
  }

  /**
   * Now, as {@code 2026-12-08T04:00:00.123Z} (always milliseconds). The date and time of the
   * current second are formatted once per second: {@code Instant.toString()} per event cost
   * more than everything else in {@link #publish}.
   */
  String at() {
    long millis = clock.millis();
    long second = Math.floorDiv(millis, 1000);
    SecondText t = lastSecond;
    if (t == null || t.second != second) {
      String text = Instant.ofEpochSecond(second).toString();      // ...T04:00:00Z
      t = new SecondText(second, text.substring(0, text.length() - 1));
      lastSecond = t;
    }
    int milli = (int) Math.floorMod(millis, 1000);
    return new StringBuilder(t.text.length() + 5).append(t.text).append('.')
        .append((char) ('0' + milli / 100)).append((char) ('0' + milli / 10 % 10))
        .append((char) ('0' + milli % 10)).append('Z').toString();
  }

  private record SecondText(long second, String text) {}

  private volatile SecondText lastSecond;

  /** The last events, as one block of SSE frames. Selector thread only. */
  byte[] replay() {
    drain();
    int size = 0;
    for (byte[] f : replay) {
      size += f.length;
    }
    byte[] all = new byte[size];
    int at = 0;
    for (byte[] f : replay) {
      System.arraycopy(f, 0, all, at, f.length);
      at += f.length;
    }
    return all;
  }

  private void drain() {
    drainScheduled.set(0);
    // Everything queued goes out as one write per client (one system call, not one per event).
    java.io.ByteArrayOutputStream batch = null;
    byte[] first = null;
    byte[] f;
    while ((f = queue.poll()) != null) {
      queued.decrementAndGet();
      if (replay.size() == REPLAY) {
        replay.removeFirst();
      }
      replay.addLast(f);
      if (first == null) {
        first = f;
      } else {
        if (batch == null) {
          batch = new java.io.ByteArrayOutputStream(first.length * 4);
          batch.writeBytes(first);
        }
        batch.writeBytes(f);
      }
    }
    if (first != null) {
      server.broadcast(batch == null ? first : batch.toByteArray());
    }
  }

  static byte[] frame(String type, String at, String service, String endpoint, String detail) {
    StringBuilder b = new StringBuilder(256).append("event: ").append(type).append("\ndata: ");
    Json w = new Json(b); // escapes control characters, line breaks included: one line of data
    w.beginObject().name("type").value(type).name("at").value(at);
    if (service != null) w.name("service").value(service);
    if (endpoint != null) w.name("endpoint").value(endpoint);
    w.name("detail").value(detail == null ? "" : detail).endObject();
    return b.append("\n\n").toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String name(CircuitState s) {
    return s.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "refused";
    }
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }

  private static String more(int suppressed) {
    return suppressed == 0 ? "" : " (" + suppressed + " more in the last second not shown)";
  }

  /**
   * -1 when this refusal is not to be published; else how many of its kind were left out since
   * the last one published.
   */
  private int admit(String type, String service) {
    String key = type + '/' + service;
    Limiter l = limiters.get(key);
    if (l == null) {
      if (limiters.size() >= MAX_LIMITERS) {
        dropped.incrementAndGet();
        return -1;
      }
      l = limiters.computeIfAbsent(key, k -> new Limiter());
    }
    return l.admit(TimeUnit.MILLISECONDS.toSeconds(clock.millis()));
  }

  /** Counts events per second; lock-free, loses nothing that matters under a race. */
  private static final class Limiter {
    private final AtomicLong second = new AtomicLong(Long.MIN_VALUE);
    private final AtomicInteger inSecond = new AtomicInteger();
    private final AtomicInteger suppressed = new AtomicInteger();

    int admit(long now) {
      long s = second.get();
      if (s != now && second.compareAndSet(s, now)) {
        inSecond.set(0);
      }
      if (inSecond.incrementAndGet() > REFUSALS_PER_SECOND) {
        suppressed.incrementAndGet();
        return -1;
      }
      return suppressed.getAndSet(0);
    }
  }
}
