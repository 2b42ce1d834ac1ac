package io.meshwork.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Mesh;
import io.meshwork.core.registry.InMemoryRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** /admin/events on real sockets: format, replay, keep-alive, bounds for slow readers. */
class EventStreamTest {
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Mesh mesh = Mesh.builder().serviceName("frontend").registry(registry).meterRegistry(meters).build();
  private final MeshAdmin admin = MeshAdmin.builder(mesh)
      .clock(Clock.fixed(Instant.parse("2026-12-08T04:00:00.123Z"), ZoneOffset.UTC)).start();

  @AfterEach
  void tearDown() {
    admin.close();
    mesh.close();
    registry.close();
  }

  @Test
  void anEventIsOneSseFrameWithTheContractsJson() throws Exception {
    try (SseClient client = new SseClient(admin.address())) {
      await().atMost(Duration.ofSeconds(5)).until(() -> admin.server().streams() == 1);
      admin.events().publish("ejected", "greeter", "127.0.0.1:8081", "ejected for 5000 ms (1 in a row)");
      admin.events().publish("registry-rejected", null, null, "mesh.yaml:4:9: \"bad\"\nvalue\u0001");
      await().atMost(Duration.ofSeconds(5)).until(() -> client.events.size() == 2);
      assertThat(client.head).contains("HTTP/1.1 200 OK", "Content-Type: text/event-stream; charset=utf-8",
          "Cache-Control: no-store");
      assertThat(client.events.get(0)).isEqualTo(new SseClient.Event("ejected",
          "{\"type\":\"ejected\",\"at\":\"2026-12-08T04:00:00.123Z\",\"service\":\"greeter\","
              + "\"endpoint\":\"127.0.0.1:8081\",\"detail\":\"ejected for 5000 ms (1 in a row)\"}"));
      assertThat(client.events.get(1)).isEqualTo(new SseClient.Event("registry-rejected",
          "{\"type\":\"registry-rejected\",\"at\":\"2026-12-08T04:00:00.123Z\","
              + "\"detail\":\"mesh.yaml:4:9: \\\"bad\\\"\\nvalue\\u0001\"}"));
    }
  }

  @Test
  void theJdksHttpClientReadsTheStreamLineByLine() throws Exception {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
    admin.events().publish("readmitted", "greeter", "127.0.0.1:8081", "readmitted");
    // ofLines answers once the headers are in; the body is read as it comes.
    var response = http.sendAsync(java.net.http.HttpRequest.newBuilder(admin.uri().resolve("admin/events")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofLines()).get(5, TimeUnit.SECONDS);
    Thread reader = new Thread(() -> response.body().forEach(lines::add), "test-jdk-sse-reader");
    reader.setDaemon(true);
    reader.start();
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
    assertThat(lines.poll(5, TimeUnit.SECONDS)).isEqualTo("retry: 2000");
    assertThat(lines.poll(5, TimeUnit.SECONDS)).isEmpty();
    assertThat(lines.poll(5, TimeUnit.SECONDS)).isEqualTo("event: readmitted");   // the replay
    assertThat(lines.poll(5, TimeUnit.SECONDS)).startsWith("data: {\"type\":\"readmitted\"");
    assertThat(lines.poll(5, TimeUnit.SECONDS)).isEmpty();
    admin.events().publish("circuit", "greeter", null, "open -> half-open");
    assertThat(lines.poll(5, TimeUnit.SECONDS)).isEqualTo("event: circuit");
    assertThat(lines.poll(5, TimeUnit.SECONDS)).contains("\"detail\":\"open -> half-open\"");
  }

  @Test
  void aStreamAskedForWithConnectionCloseOrHttp10StaysOpen() throws Exception {
    for (String request : new String[] {"GET /admin/events HTTP/1.1\r\nConnection: close\r\n\r\n",
        "GET /admin/events HTTP/1.0\r\n\r\n"}) {
      String service = request.contains("1.0") ? "old" : "closing";
      try (Raw raw = new Raw(admin.address())) {
        raw.send(request);
        assertThat(raw.line()).isEqualTo("HTTP/1.1 200 OK");
        await().atMost(Duration.ofSeconds(5)).until(() -> admin.server().streams() == 1);
        admin.events().publish("circuit", service, null, "closed -> open");
        String line;
        while (!(line = raw.line()).contains("\"service\":\"" + service + "\"")) {
          // headers, retry, replay
        }
        assertThat(line).startsWith("data: {\"type\":\"circuit\"");
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> admin.server().streams() == 0);
    }
  }

  @Test
  void timesAlwaysHaveMilliseconds() {
    assertThat(new AdminEvents(Clock.fixed(Instant.parse("2026-12-08T04:00:00Z"), ZoneOffset.UTC), null).at())
        .isEqualTo("2026-12-08T04:00:00.000Z");
    assertThat(new AdminEvents(Clock.fixed(Instant.parse("2026-12-08T04:00:59.007Z"), ZoneOffset.UTC), null).at())
        .isEqualTo("2026-12-08T04:00:59.007Z");
    assertThat(new AdminEvents(Clock.fixed(Instant.parse("1969-12-31T23:59:59.999Z"), ZoneOffset.UTC), null).at())
        .isEqualTo("1969-12-31T23:59:59.999Z");
  }

  @Test
  void aNewClientGetsTheLast100EventsThenLiveOnes() throws Exception {
    for (int i = 1; i <= 150; i++) admin.events().publish("circuit", "s" + i, null, "closed -> open");
    try (SseClient client = new SseClient(admin.address())) {
      await().atMost(Duration.ofSeconds(5)).until(() -> client.events.size() == 100);
      assertThat(client.events.get(0).data()).contains("\"service\":\"s51\"");
      assertThat(client.events.get(99).data()).contains("\"service\":\"s150\"");
      admin.events().publish("readmitted", "greeter", "127.0.0.1:1", "readmitted");
      await().atMost(Duration.ofSeconds(5)).until(() -> client.events.size() == 101);
      assertThat(client.events.get(100).type()).isEqualTo("readmitted");
    }
  }

  @Test
  void aClientThatDoesNotReadIsCutOffAndHoldsAtMost64KiB() throws Exception {
    try (SseClient fast = new SseClient(admin.address()); Raw slow = new Raw(admin.address())) {
      slow.socket.setReceiveBufferSize(4096);
      slow.send("GET /admin/events HTTP/1.1\r\n\r\n");      // and never reads
      await().atMost(Duration.ofSeconds(5)).until(() -> admin.server().streams() == 2);
      String detail = "x".repeat(1_000);
      long maxPending = 0;
      for (int i = 0; i < 2_000 && admin.server().slowStreamsClosed() == 0; i++) {
        admin.events().publish("call-refused", "greeter", null, detail);
        maxPending = Math.max(maxPending, admin.server().pendingBytes());
        if (i % 100 == 99) {
          int sent = i + 1;
          await().atMost(Duration.ofSeconds(5)).until(() -> fast.events.size() >= sent);
        }
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> admin.server().slowStreamsClosed() == 1);
      assertThat(maxPending).isLessThanOrEqualTo(2L * AdminHttpServer.MAX_STREAM_PENDING);
      assertThat(admin.server().streams()).isEqualTo(1);
      assertThat(slow.closedByServer()).isTrue();
      // The reading client kept everything.
      admin.events().publish("circuit", "last", null, "open -> half-open");
      await().atMost(Duration.ofSeconds(5)).until(() -> fast.events.stream().anyMatch(e -> e.data().contains("\"last\"")));
      assertThat(meters.get("mesh.admin.events.slow.clients").functionCounter().count()).isEqualTo(1.0);
    }
  }

  @Test
  void eventsBeyondTheQueueAreDroppedAndCounted() throws Exception {
    CountDownLatch blocked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    admin.server().execute(() -> {
      blocked.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertThat(blocked.await(5, TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < AdminEvents.MAX_QUEUED + 10; i++) admin.events().publish("circuit", "s", null, "x");
    release.countDown();
    assertThat(admin.events().dropped()).isEqualTo(10);
    assertThat(meters.get("mesh.admin.events.dropped").functionCounter().count()).isEqualTo(10.0);
  }

  @Test
  void refusalStormsArePublishedAtMostFivePerSecondSayingHowManyWereLeftOut() throws Exception {
    io.meshwork.core.MeshException refusal = new io.meshwork.core.ConcurrencyLimitException("greeter", "greeter: 10 calls in flight, the limit (maxConcurrentRequests: 10)");
    try (SseClient client = new SseClient(admin.address())) {
      await().atMost(Duration.ofSeconds(5)).until(() -> admin.server().streams() == 1);
      for (int i = 0; i < 1_000; i++) admin.events().onCallRejected("greeter", refusal);
      await().atMost(Duration.ofSeconds(5)).until(() -> client.events.size() == AdminEvents.REFUSALS_PER_SECOND);
      assertThat(admin.events().published()).isEqualTo(AdminEvents.REFUSALS_PER_SECOND);
      assertThat(client.events.get(0).data()).contains("\"type\":\"call-refused\"", "\"service\":\"greeter\"");
    }
  }

  @Test
  void streamsGetAKeepAliveCommentAndTooManyStreamsAre503() throws Exception {
    try (AdminHttpServer server = new AdminHttpServer(new InetSocketAddress("127.0.0.1", 0),
        r -> new AdminHttpServer.Stream(new byte[0]), 2, TimeUnit.MILLISECONDS.toNanos(100));
        SseClient a = new SseClient(server.address()); SseClient b = new SseClient(server.address())) {
      await().atMost(Duration.ofSeconds(5)).until(() -> a.comments.contains(": keep-alive")
          && b.comments.contains(": keep-alive"));
      Raw.Reply third = Raw.once(server.address(), "GET", "/admin/events");
      assertThat(third.status()).isEqualTo(503);
      assertThat(third.body()).contains("too many event streams open (2)");
      assertThat(third.header("Retry-After")).isEqualTo("5");
    }
  }

  @Test
  void headOfTheStreamAnswersHeadersAndNoStream() throws Exception {
    Raw.Reply r = Raw.once(admin.address(), "HEAD", "/admin/events");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type")).isEqualTo("text/event-stream; charset=utf-8");
    assertThat(admin.server().streams()).isZero();
  }

  @Test
  void publishingAnEventCostsTheCallingThreadMicroseconds() throws Exception {
    io.meshwork.core.model.Endpoint endpoint = io.meshwork.core.model.Endpoint.of("127.0.0.1:8081");
    try (SseClient client = new SseClient(admin.address())) {
      await().atMost(Duration.ofSeconds(5)).until(() -> admin.server().streams() == 1);
      java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
      long total = 0;
      long cpu = 0;
      int n = 0;
      for (int round = 0; round < 15; round++) {
        long t0 = System.nanoTime();
        long c0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < 2_000; i++) admin.events().onEjected("greeter", endpoint, 30_000_000_000L, 1);
        if (round >= 5) {                        // the first rounds warm up (JIT)
          cpu += mx.getCurrentThreadCpuTime() - c0;
          total += System.nanoTime() - t0;
          n += 2_000;
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.events().queuedNow() == 0);
      }
      System.out.printf("EventStreamTest: onEjected costs the calling thread %d ns of CPU per event (%d ns"
          + " wall; %d events after 10,000 to warm up, 1 client, dropped: %d)%n", cpu / n, total / n, n,
          admin.events().dropped());
      assertThat(admin.events().dropped()).isZero();
      assertThat(total / n).isLessThan(1_000_000);
    }
  }

  static List<String> types(SseClient c) {
    return c.events.stream().map(SseClient.Event::type).toList();
  }
}
