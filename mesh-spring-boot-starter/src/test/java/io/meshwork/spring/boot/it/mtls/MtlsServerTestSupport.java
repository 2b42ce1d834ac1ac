package io.meshwork.spring.boot.it.mtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Mesh;
import io.meshwork.core.registry.FileRegistry;
import io.meshwork.http.MeshHttp;
import io.meshwork.tls.DevCertificateAuthority;
import io.meshwork.tls.MeshTls;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Comparator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The other side of the server mutual TLS tests: a registry in strict mode in a temporary folder,
 * with its development CA beside it, and a frontend mesh with its own certificate from that CA.
 */
final class MtlsServerTestSupport implements AutoCloseable {
  static final String TRUST_DOMAIN = "boot.test";
  static final Duration POLL = Duration.ofMillis(50);

  final Path dir;
  final Path registryFile;
  private FileRegistry frontendRegistry;
  private Mesh frontend;
  private OkHttpClient client;

  MtlsServerTestSupport(String prefix) {
    try {
      dir = Files.createTempDirectory(prefix);
      registryFile = dir.resolve("mesh.yaml");
      Files.writeString(registryFile, """
          mesh:
            trustDomain: %s
            tls: strict
          services: {}
          """.formatted(TRUST_DOMAIN));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The frontend's mesh (made on first use): a development-CA identity from the same CA folder. */
  Mesh frontend() {
    if (frontend == null) {
      frontendRegistry = FileRegistry.builder(registryFile).pollInterval(POLL).build();
      frontend = Mesh.builder().serviceName("frontend").registry(frontendRegistry)
          .identity(MeshTls.developmentCa(DevCertificateAuthority.folderBeside(registryFile))).build();
      client = MeshHttp.client(frontend);
    }
    return frontend;
  }

  /** {@code GET http://greeter/whoami} through the frontend's mesh, once the greeter is registered. */
  String callGreeterThroughTheMesh() {
    frontend();
    String[] body = new String[1];
    await().atMost(Duration.ofSeconds(10)).pollInterval(POLL).untilAsserted(() -> {
      try (Response response = client.newCall(new Request.Builder().url("http://greeter/whoami").build()).execute()) {
        assertThat(response.code()).as("status (body: %s)", response.peekBody(2000).string()).isEqualTo(200);
        body[0] = response.body().string();
      }
    });
    return body[0];
  }

  /** The serial of the certificate the server presents on a new connection, verified as the greeter's. */
  BigInteger serverCertificateSerial(int port) throws IOException {
    SSLContext context = MeshTls.of(frontend()).orElseThrow().clientContext("greeter");
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  /**
   * A TLS 1.3 client without a certificate (trusting any server) sends {@code GET /whoami}: the
   * status line, or {@code refused: <exception>} when the server refuses the connection.
   */
  static String plainTlsClient(int port) throws GeneralSecurityException {
    SSLContext context = SSLContext.getInstance("TLSv1.3");
    context.init(null, new TrustManager[] {new TrustingAnyServer()}, null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      socket.startHandshake();
      OutputStream out = socket.getOutputStream();
      out.write("GET /whoami HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String status = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
      return status == null ? "refused: closed without a response" : status;
    } catch (IOException e) {
      return "refused: " + e;
    }
  }

  @Override
  public void close() throws IOException {
    if (client != null) {
      client.dispatcher().executorService().shutdownNow();
      client.connectionPool().evictAll();
    }
    if (frontend != null) frontend.close();
    if (frontendRegistry != null) frontendRegistry.close();
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static final class TrustingAnyServer implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
