package io.meshwork.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Mesh;
import io.meshwork.core.registry.InMemoryRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The HTTP surface on a real socket: methods, HEAD, 404, 431, keep-alive, close. */
class AdminServerTest {
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh mesh = Mesh.builder().serviceName("frontend").registry(registry)
      .meterRegistry(new SimpleMeterRegistry()).build();
  private final MeshAdmin admin = MeshAdmin.start(mesh, 0);

  @AfterEach
  void tearDown() {
    admin.close();
    mesh.close();
    registry.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH", "CONNECT"})
  void anythingButGetAndHeadIs405WithAllow(String method) throws IOException {
    for (String path : new String[] {"/admin", "/admin/state.json", "/metrics", "/nowhere"}) {
      Raw.Reply r = Raw.once(admin.address(), method, path);
      assertThat(r.status()).as(method + " " + path).isEqualTo(405);
      assertThat(r.header("Allow")).isEqualTo("GET, HEAD");
      assertThat(r.body()).contains("method " + method + " not allowed");
    }
  }

  @Test
  void optionsOnTheServerAsAWholeIs405Too() throws IOException {
    try (Raw raw = new Raw(admin.address())) {
      Raw.Reply r = raw.send("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n").read(false);
      assertThat(r.status()).isEqualTo(405);
      assertThat(r.header("Allow")).isEqualTo("GET, HEAD");
    }
  }

  @Test
  void aPostWithABodyIsRefusedAndTheConnectionClosed() throws IOException {
    try (Raw raw = new Raw(admin.address())) {
      Raw.Reply r = raw.send("POST /admin HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello").read(false);
      assertThat(r.status()).isEqualTo(405);
      assertThat(r.header("Connection")).isEqualTo("close");
      assertThat(raw.closedByServer()).isTrue();
    }
  }

  @Test
  void headAnswersTheHeadersOfGetWithoutTheBody() throws IOException {
    try (Raw raw = new Raw(admin.address())) {
      Raw.Reply get = raw.send("GET /admin HTTP/1.1\r\nHost: x\r\n\r\n").read(false);
      // Same connection: if HEAD wrote a body, the next status line would not parse.
      Raw.Reply head = raw.send("HEAD /admin HTTP/1.1\r\nHost: x\r\n\r\n").read(true);
      Raw.Reply again = raw.send("GET /admin/state.json HTTP/1.1\r\nHost: x\r\n\r\n").read(false);
      assertThat(get.status()).isEqualTo(200);
      assertThat(get.body()).isNotEmpty();
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.header("Content-Length")).isEqualTo(Integer.toString(get.body().getBytes(
          java.nio.charset.StandardCharsets.UTF_8).length));
      assertThat(head.header("Content-Type")).isEqualTo("text/html; charset=utf-8");
      assertThat(again.status()).isEqualTo(200);
      assertThat(again.body()).startsWith("{");
    }
  }

  @Test
  void unknownPathIs404NamingThePages() throws IOException {
    Raw.Reply r = Raw.once(admin.address(), "GET", "/admin/../../etc/passwd");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.header("Content-Type")).startsWith("text/plain");
    assertThat(r.body()).contains("no such page: /admin/../../etc/passwd").contains("/admin/state.json");
    assertThat(Raw.once(admin.address(), "GET", "/favicon.ico").status()).isEqualTo(404);
    assertThat(Raw.once(admin.address(), "GET", "/admin/dashboard.html").status()).isEqualTo(404);
  }

  @Test
  void anOversizedHeadIs431AndTheConnectionClosed() throws IOException {
    try (Raw raw = new Raw(admin.address())) {
      Raw.Reply r = raw.send("GET /admin HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(9_000) + "\r\n\r\n")
          .read(false);
      assertThat(r.status()).isEqualTo(431);
      assertThat(r.body()).contains("larger than 8192 bytes");
      assertThat(raw.closedByServer()).isTrue();
    }
    // A head just under the bound is fine.
    try (Raw raw = new Raw(admin.address())) {
      Raw.Reply r = raw.send("GET /admin HTTP/1.1\r\nX-Big: " + "a".repeat(8_000) + "\r\n\r\n").read(false);
      assertThat(r.status()).isEqualTo(200);
    }
  }

  @Test
  void aMalformedRequestLineIs400() throws IOException {
    try (Raw raw = new Raw(admin.address())) {
      Raw.Reply r = raw.send("HELLO\r\n\r\n").read(false);
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.body()).contains("malformed request line: 'HELLO'");
      assertThat(raw.closedByServer()).isTrue();
    }
  }

  @Test
  void connectionsStayOpenUnlessTheClientAsksToClose() throws IOException {
    try (Raw raw = new Raw(admin.address())) {
      for (int i = 0; i < 3; i++) {
        assertThat(raw.send("GET /admin/state.json HTTP/1.1\r\nHost: x\r\n\r\n").read(false).status()).isEqualTo(200);
      }
      // Pipelined: two requests in one write, answered in order.
      raw.send("GET /admin HTTP/1.1\r\n\r\nGET /nowhere HTTP/1.1\r\n\r\n");
      assertThat(raw.read(false).status()).isEqualTo(200);
      assertThat(raw.read(false).status()).isEqualTo(404);
      Raw.Reply last = raw.send("GET /admin HTTP/1.1\r\nConnection: close\r\n\r\n").read(false);
      assertThat(last.header("Connection")).isEqualTo("close");
      assertThat(raw.closedByServer()).isTrue();
    }
    try (Raw raw = new Raw(admin.address())) {
      raw.send("GET /admin HTTP/1.0\r\n\r\n").read(false);
      assertThat(raw.closedByServer()).isTrue();
    }
  }

  @Test
  void routesAnswerWithTheirContentTypes() throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    URI root = admin.uri();
    assertThat(root.toString()).isEqualTo("http://127.0.0.1:" + admin.address().getPort() + "/");

    HttpResponse<String> page = http.send(HttpRequest.newBuilder(root.resolve("admin")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
        csp -> assertThat(csp).contains("default-src 'self'"));
    assertThat(page.body()).isEqualTo(new String(MeshAdmin.class.getClassLoader()
        .getResourceAsStream(MeshAdmin.DASHBOARD).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));

    HttpResponse<String> slash = http.send(HttpRequest.newBuilder(root.resolve("admin/")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(slash.statusCode()).isEqualTo(301);
    assertThat(slash.headers().firstValue("Location")).hasValue("/admin");

    HttpResponse<String> state = http.send(HttpRequest.newBuilder(root.resolve("admin/state.json?x=1")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(state.statusCode()).isEqualTo(200);
    assertThat(state.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(state.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(state.body()).contains("\"schema\":\"meshwork.admin.state/1\"");

    HttpResponse<String> view = http.send(HttpRequest.newBuilder(root.resolve("admin/mesh.json")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(view.statusCode()).isEqualTo(200);
    assertThat(view.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(view.body()).contains("\"schema\":\"meshwork.admin.mesh/1\"");
  }

  @Test
  void closeStopsEveryAdminThreadAndThePort() throws Exception {
    InetSocketAddress address = admin.address();
    try (Raw open = new Raw(address)) {
      open.send("GET /admin/events HTTP/1.1\r\n\r\n");
      assertThat(open.line()).isEqualTo("HTTP/1.1 200 OK");
      assertThat(adminThreads()).isGreaterThanOrEqualTo(2);   // selector, poller (workers start on demand)
      admin.close();
      assertThat(open.closedByServer()).isTrue();
    }
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(adminThreads()).isZero());
    assertThatThrownBy(() -> new Socket().connect(address, 1_000)).isInstanceOf(ConnectException.class);
    admin.close();   // idempotent
  }

  @Test
  void builderRefusesBadValuesNamingThem() {
    assertThatThrownBy(() -> MeshAdmin.builder(mesh).port(70_000))
        .hasMessage("port: 70000 (expected: 0 to 65535, 0 for any free port)");
    assertThatThrownBy(() -> MeshAdmin.builder(mesh).peerTimeout(Duration.ZERO))
        .hasMessage("peerTimeout: PT0S (expected: positive)");
    assertThatThrownBy(() -> MeshAdmin.builder(mesh).maxPeers(-1))
        .hasMessage("maxPeers: -1 (expected: 0 or more)");
    int taken = admin.address().getPort();
    assertThatThrownBy(() -> MeshAdmin.start(mesh, taken))
        .isInstanceOf(java.io.UncheckedIOException.class)
        .hasMessageStartingWith("admin server: cannot listen on 127.0.0.1:" + taken);
  }

  @Test
  void anAddressOtherThanLoopbackIsWarnedAboutNamingTheRisk() throws Exception {
    assertThat(MeshAdmin.exposure(java.net.InetAddress.getByName("127.0.0.1"), 9901)).isEmpty();
    assertThat(MeshAdmin.exposure(java.net.InetAddress.getByName("::1"), 9901)).isEmpty();
    assertThat(MeshAdmin.exposure(java.net.InetAddress.getByName("0.0.0.0"), 9901)).hasValueSatisfying(
        w -> assertThat(w).startsWith("admin server listens on 0.0.0.0:9901, not on loopback")
            .contains("unauthenticated and in plaintext"));
    assertThat(MeshAdmin.exposure(java.net.InetAddress.getByName("192.0.2.7"), 9901)).isPresent();
  }

  static long adminThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("meshwork-admin")).count();
  }
}
