package io.meshwork.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import io.meshwork.tls.testing.Pki;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real peer, {@code openssl s_client}, against a strict mesh server: the JDK's {@code
 * HttpsServer} over {@link MeshTls#serverContext()}, the server the HTTP transport embeds. With
 * a dev-CA client certificate it gets in and the server sees its SPIFFE ID; without one it is
 * refused. openssl also verifies the server's chain against the dev CA (and fails against
 * another CA), so the certificates are usable outside Java. Skipped when openssl is absent.
 */
class OpensslInteropTest {
  private static final String REQUEST = "GET /whoami HTTP/1.1\r\nHost: greeter\r\nConnection: close\r\n\r\n";

  @TempDir Path dir;
  TestPki pki;
  RotatingIdentity greeter;
  HttpsServer server;
  final java.util.concurrent.atomic.AtomicInteger handled = new java.util.concurrent.atomic.AtomicInteger();

  @BeforeAll
  static void opensslIsInstalled() {
    assumeTrue(openssl() != null, "openssl is not installed");
  }

  @BeforeEach
  void setUp() throws IOException {
    pki = new TestPki(dir.resolve("ca"), new FakeClock(java.time.Instant.now().minusSeconds(5)
        .truncatedTo(java.time.temporal.ChronoUnit.SECONDS))); // openssl checks validity at real time
    greeter = pki.identity("greeter");
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(pki.tls(greeter).serverContext()));
    server.createContext("/whoami", exchange -> {
      handled.incrementAndGet();
      String caller = MeshTls.peerIdentity(((HttpsExchange) exchange).getSSLSession())
          .map(SpiffeId::toString).orElse("anonymous");
      byte[] body = ("caller=" + caller + "\n").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  @AfterEach
  void tearDown() {
    server.stop(0);
    greeter.close();
  }

  @Test
  void opensslWithADevCaClientCertificateCallsTheStrictServer() throws Exception {
    Path[] client = Pki.writePem(dir, pki.ca.issue(TestPki.id("frontend"), Duration.ofHours(1)), "frontend");

    Result r = sClient("-cert", client[0].toString(), "-key", client[1].toString(), "-CAfile", client[2].toString());

    assertThat(r.output).contains("HTTP/1.1 200").contains("caller=spiffe://example.org/service/frontend");
    assertThat(handled.get()).isEqualTo(1);
  }

  @Test
  void opensslWithoutAClientCertificateIsRefused() throws Exception {
    Path[] client = Pki.writePem(dir, pki.ca.issue(TestPki.id("frontend"), Duration.ofHours(1)), "frontend");

    Result r = sClient("-CAfile", client[2].toString());

    // The JDK's server ends the handshake by closing or resetting the connection.
    assertThat(r.output).doesNotContain("HTTP/1.1").doesNotContain("caller=");
    assertThat(handled.get()).isZero();
  }

  @Test
  void opensslRefusesTheServerWhenItTrustsAnotherCa() throws Exception {
    Path[] client = Pki.writePem(dir, pki.ca.issue(TestPki.id("frontend"), Duration.ofHours(1)), "frontend");
    TestPki other = new TestPki(dir.resolve("other-ca"), pki.clock);
    Path otherCa = dir.resolve("other-ca.pem");
    Files.writeString(otherCa, other.ca.issue(TestPki.id("x"), Duration.ofHours(1)).trustBundlePem());

    Result r = sClient("-cert", client[0].toString(), "-key", client[1].toString(), "-CAfile", otherCa.toString());

    assertThat(r.exitCode).isNotZero();
    assertThat(r.output).doesNotContain("caller=").contains("verify error");
  }

  private Result sClient(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(openssl(), "s_client", "-connect",
        "127.0.0.1:" + server.getAddress().getPort(), "-tls1_3", "-verify_return_error", "-quiet"));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "openssl", ".out");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(REQUEST.getBytes(StandardCharsets.US_ASCII));
    } catch (IOException ignored) {
      // openssl may have exited already (refused)
    }
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("openssl s_client did not finish in 20 s: " + Files.readString(out));
    }
    return new Result(p.exitValue(), Files.readString(out));
  }

  private static String openssl() {
    for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(java.io.File.pathSeparator)) {
      Path p = Path.of(d, "openssl");
      if (Files.isExecutable(p)) return p.toString();
    }
    return null;
  }

  private record Result(int exitCode, String output) {}
}
