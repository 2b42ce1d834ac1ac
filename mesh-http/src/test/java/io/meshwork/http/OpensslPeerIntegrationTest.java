package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.meshwork.core.Mesh;
import io.meshwork.core.MeshContext;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.tls.testing.Pki;
import io.opentelemetry.context.Context;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real peer outside Java, {@code openssl s_client}, against a {@link MeshHttpServer} in strict
 * mode: with a dev-CA client certificate it gets a 200 and the handler sees its SPIFFE ID; a
 * certificate the access policy does not allow gets a 403 with the reason; without a certificate
 * it is refused in the handshake. openssl verifies the server's chain against the dev CA. (curl
 * would check the host name, and mesh certificates name no host.) Skipped when openssl is absent.
 */
class OpensslPeerIntegrationTest {
  private static final String REQUEST = "GET /whoami HTTP/1.1\r\nHost: greeter\r\nConnection: close\r\n\r\n";

  @TempDir Path dir;
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final AtomicInteger handled = new AtomicInteger();
  private Pki pki;
  private Mesh mesh;
  private MeshHttpServer server;

  @BeforeAll
  static void opensslIsInstalled() {
    assumeTrue(openssl() != null, "openssl is not installed");
  }

  @BeforeEach
  void setUp() {
    registry.setMesh(new MeshSettings(Pki.TRUST_DOMAIN, TlsMode.STRICT));
    pki = new Pki(dir.resolve("ca"));
    mesh = Meshes.of("greeter", registry);
    server = MeshHttpServer.builder(mesh).tls(pki.tls("greeter")).handler("/whoami", exchange -> {
      handled.incrementAndGet();
      byte[] body = ("caller=" + MeshContext.callerIdentity(Context.current()) + "\n").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }).start();
    Meshes.putPorts(registry, "greeter", List.of(server.port()), "frontend");
  }

  @AfterEach
  void tearDown() {
    server.close();
    mesh.close();
    registry.close();
    pki.close();
  }

  @Test
  void opensslWithADevCaCertificateCallsTheStrictMeshServer() throws Exception {
    Path[] client = Pki.writePem(dir, pki.ca().issue(Pki.id("frontend"), Duration.ofHours(1)), "frontend");

    Result r = sClient("-cert", client[0].toString(), "-key", client[1].toString(), "-CAfile", client[2].toString());

    assertThat(r.output).contains("HTTP/1.1 200").contains("caller=spiffe://example.org/service/frontend");
    assertThat(handled.get()).isEqualTo(1);
  }

  @Test
  void opensslWithACertificateThePolicyDoesNotAllowGets403WithTheReason() throws Exception {
    Path[] client = Pki.writePem(dir, pki.ca().issue(Pki.id("intruder"), Duration.ofHours(1)), "intruder");

    Result r = sClient("-cert", client[0].toString(), "-key", client[1].toString(), "-CAfile", client[2].toString());

    assertThat(r.output).contains("HTTP/1.1 403")
        .contains("greeter: caller spiffe://example.org/service/intruder is not allowed (allow: frontend)");
    assertThat(handled.get()).isZero();
  }

  @Test
  void opensslWithoutAClientCertificateIsRefused() throws Exception {
    Path[] client = Pki.writePem(dir, pki.ca().issue(Pki.id("frontend"), Duration.ofHours(1)), "frontend");

    Result r = sClient("-CAfile", client[2].toString());

    assertThat(r.output).doesNotContain("HTTP/1.1").doesNotContain("caller=");
    assertThat(handled.get()).isZero();
  }

  private Result sClient(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(openssl(), "s_client", "-connect", "127.0.0.1:" + server.port(),
        "-tls1_3", "-verify_return_error", "-quiet"));
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
    for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
      Path p = Path.of(d, "openssl");
      if (Files.isExecutable(p)) return p.toString();
    }
    return null;
  }

  private record Result(int exitCode, String output) {}
}
