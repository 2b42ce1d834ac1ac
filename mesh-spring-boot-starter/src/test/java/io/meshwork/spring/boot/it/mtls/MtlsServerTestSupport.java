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
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
  private final SimpleMeterRegistry frontendMeters = new SimpleMeterRegistry();
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

  /**
   * Rotates {@code tls} {@code times} times while {@link #underLoad} runs, waiting each time until
   * a new connection sees the new certificate, then evicting the frontend's connections: the
   * serial of the last certificate.
   */
  BigInteger rotate(MeshTls tls, int port, int times) throws Exception {
    BigInteger serial = null;
    for (int i = 0; i < times; i++) {
      if (!tls.identity().rotateNow()) throw new AssertionError("no rotation");
      BigInteger after = tls.identity().current().leaf().getSerialNumber();
      await().atMost(Duration.ofSeconds(10)).until(() -> serverCertificateSerial(port).equals(after));
      evictConnections();
      serial = after;
    }
    return serial;
  }

  /** The frontend's mesh (made on first use): a development-CA identity from the same CA folder. */
  Mesh frontend() {
    if (frontend == null) {
      frontendRegistry = FileRegistry.builder(registryFile).pollInterval(POLL).build();
      frontend = Mesh.builder().serviceName("frontend").registry(frontendRegistry).meterRegistry(frontendMeters)
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

  /** What {@link #underLoad} saw: successful calls, and every failure with its reason. */
  record LoadReport(int ok, List<String> failures, double successfulAttempts, double failedAttempts, Duration took) {}

  /** A step run while the load goes on. */
  interface During {
    void run() throws Exception;
  }

  /**
   * Calls {@code GET http://greeter/whoami} through the frontend's mesh from {@code threads}
   * threads while {@code during} runs: starts once 20 calls succeeded, and goes on until 40 more
   * succeeded after {@code during}, at most 1,000 calls a thread. One thread sends {@code
   * Connection: close}, so that new connections (and handshakes) go on all the time; the others
   * reuse theirs until {@link #evictConnections()}.
   */
  LoadReport underLoad(int threads, During during) throws Exception {
    callGreeterThroughTheMesh();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger ok = new AtomicInteger();
    Queue<String> failures = new ConcurrentLinkedQueue<>();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    double failedBefore = attempts("failure");
    double succeededBefore = attempts("success");
    long start = System.nanoTime();
    try {
      for (int t = 0; t < threads; t++) {
        boolean close = t == 0;
        pool.execute(() -> {
          for (int i = 0; i < 1000 && !stop.get(); i++) {
            Request.Builder b = new Request.Builder().url("http://greeter/whoami");
            if (close) b.header("Connection", "close");
            try (Response response = client.newCall(b.build()).execute()) {
              String body = response.body().string();
              if (response.code() == 200 && body.contains("caller=spiffe://")) ok.incrementAndGet();
              else failures.add(response.code() + " " + body);
            } catch (IOException | RuntimeException e) {
              failures.add(e.toString());
            }
          }
        });
      }
      await().atMost(Duration.ofSeconds(20)).until(() -> ok.get() >= 20 || !failures.isEmpty());
      during.run();
      int mark = ok.get();
      await().atMost(Duration.ofSeconds(20)).until(() -> ok.get() >= mark + 40 || !failures.isEmpty());
    } finally {
      stop.set(true);
      pool.shutdown();
      if (!pool.awaitTermination(20, TimeUnit.SECONDS)) pool.shutdownNow();
    }
    return new LoadReport(ok.get(), List.copyOf(failures), attempts("success") - succeededBefore,
        attempts("failure") - failedBefore,
        Duration.ofNanos(System.nanoTime() - start));
  }

  /** The frontend's attempts to the greeter with {@code outcome}, retries included ({@code mesh.client.attempts}). */
  double attempts(String outcome) {
    var counter = frontendMeters.find("mesh.client.attempts").tag("service", "greeter").tag("outcome", outcome).counter();
    return counter == null ? 0 : counter.count();
  }

  /** Closes the frontend's idle connections, so that its next calls open new ones. */
  void evictConnections() {
    client.connectionPool().evictAll();
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
