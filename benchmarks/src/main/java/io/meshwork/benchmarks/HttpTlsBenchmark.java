package io.meshwork.benchmarks;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.ServerPolicy;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.http.MeshHttp;
import io.meshwork.http.MeshHttpServer;
import io.meshwork.tls.DevCertificateAuthority;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.RotatingIdentity;
import io.meshwork.tls.SpiffeId;
import io.meshwork.tls.WorkloadCertificate;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the mesh adds to a real HTTP call over mutual TLS: the same GET, over loopback, with the
 * same certificates (one development CA; the server's and the client's identities' current
 * certificates), in the same run.
 *
 * <ul>
 *   <li>{@code bare}: OkHttp and the JDK's {@code HttpsServer} set up for mTLS by hand: static key
 *       material in JDK key managers, the CA as the JDK's PKIX trust anchor, TLS 1.3 only, a
 *       client certificate required, and a host-name verifier that accepts (the certificates
 *       name SPIFFE IDs, no DNS names), to {@code https://127.0.0.1:<port>/}.
 *   <li>{@code mesh}: {@code MeshHttp.client(mesh, tls)} to {@code http://bench/}, sent to a
 *       {@link MeshHttpServer} with {@code tls(...)}, in strict mode: the rotating key managers and
 *       SPIFFE trust managers, the per-destination TLS settings on the OkHttp chain, the
 *       engine's per-call work (as in {@link HttpBenchmark}), and on the server the caller's
 *       identity from the session, {@code server.allow: [client]} checked per request, the
 *       inbound guard and its meters.
 *   <li>{@code pairClient:pairClientMesh}: a mesh client (its own registry, where {@code bench} is
 *       the bare server, whose certificate names {@code bench}) against the bare server: the
 *       client side's share of the mesh's cost.
 *   <li>{@code pairServer:pairServerMesh}: the bare client against the mesh server: the server
 *       side's share.
 * </ul>
 *
 * <p>{@code pair:*} runs bare and mesh as a JMH group, at the same time, in the same iterations,
 * so load from outside the benchmark (a shared machine) hits both alike; {@code pairClient:*}
 * does the same for the bare client and the mesh client, both calling the bare server, and
 * {@code pairServer:*} for the bare and the mesh server, both called by the bare client. {@code -tg N,N} sets N threads for each.
 * Connections are pooled and warmed before the first iteration, so the figures are those of
 * established TLS connections (certificates of 24 h; the mesh server's maximum connection age is
 * 6 h). Both servers run handlers on two threads and answer {@code 200 ok}; the {@code
 * meshwork.access} log is off.
 *
 * <p>Run with {@code benchmarks/run.sh http-tls} (1 and 2 threads each, {@code -prof gc}).
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Dsun.net.httpserver.nodelay=true", "-Dorg.slf4j.simpleLogger.log.meshwork.access=warn"})
public class HttpTlsBenchmark extends BareVersusMesh {
  private static final String TRUST_DOMAIN = "bench.local";
  private static final char[] NO_PASSWORD = new char[0];

  private Path caFolder;
  private RotatingIdentity serverIdentity;
  private RotatingIdentity clientIdentity;
  private HttpsServer bareServer;
  private ExecutorService bareServerThreads;
  private ExecutorService meshServerThreads;
  private InMemoryRegistry registry;
  private Mesh serverMesh;
  private Mesh clientMesh;
  private MeshHttpServer meshServer;
  private OkHttpClient bareClient;
  private OkHttpClient meshClient;
  private InMemoryRegistry bareRegistry;
  private Mesh meshToBareMesh;
  private OkHttpClient meshToBareClient;
  private Request bareRequest;
  private Request meshRequest;
  private Request bareToMeshRequest;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    caFolder = Files.createTempDirectory("meshwork-bench-ca");
    DevCertificateAuthority ca = DevCertificateAuthority.open(caFolder);
    serverIdentity = ca.identity(SpiffeId.forService(TRUST_DOMAIN, "bench"));
    clientIdentity = ca.identity(SpiffeId.forService(TRUST_DOMAIN, "client"));
    byte[] ok = "ok".getBytes(StandardCharsets.UTF_8);
    HttpHandler answer = exchange -> {
      try (InputStream in = exchange.getRequestBody()) {
        in.readAllBytes();
      }
      exchange.sendResponseHeaders(200, ok.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(ok);
      }
    };

    // bare: static key material, the CA as trust anchor, TLS 1.3, client certificates required.
    SSLContext bareServerTls = SSLContext.getInstance("TLSv1.3");
    bareServerTls.init(keyManagers(serverIdentity.current()), trustManagers(ca), null);
    bareServer = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    bareServer.setHttpsConfigurator(new HttpsConfigurator(bareServerTls) {
      @Override
      public void configure(HttpsParameters params) {
        SSLParameters p = getSSLContext().getDefaultSSLParameters();
        p.setProtocols(new String[] {"TLSv1.3"});
        p.setNeedClientAuth(true);
        params.setSSLParameters(p);
      }
    });
    bareServerThreads = Executors.newFixedThreadPool(2, daemon("bench-bare-server"));
    bareServer.setExecutor(bareServerThreads);
    bareServer.createContext("/", answer);
    bareServer.start();
    int barePort = bareServer.getAddress().getPort();
    SSLContext bareClientTls = SSLContext.getInstance("TLSv1.3");
    javax.net.ssl.TrustManager[] clientTrust = trustManagers(ca);
    bareClientTls.init(keyManagers(clientIdentity.current()), clientTrust, null);
    bareClient = new OkHttpClient.Builder()
        .sslSocketFactory(bareClientTls.getSocketFactory(), (X509TrustManager) clientTrust[0])
        .hostnameVerifier((host, session) -> true)
        .build();
    bareRequest = new Request.Builder().url("https://127.0.0.1:" + barePort + "/").build();

    // mesh: strict mTLS, the same CA and identities.
    registry = InMemoryRegistry.create();
    registry.setMesh(new MeshSettings(TRUST_DOMAIN, TlsMode.STRICT));
    serverMesh = Mesh.builder().serviceName("bench").registry(registry).meterRegistry(new SimpleMeterRegistry()).build();
    clientMesh = Mesh.builder().serviceName("client").registry(registry).meterRegistry(new SimpleMeterRegistry()).build();
    meshServerThreads = Executors.newFixedThreadPool(2, daemon("bench-mesh-server"));
    meshServer = MeshHttpServer.builder(serverMesh)
        .bind("127.0.0.1", 0)
        .tls(MeshTls.create(serverIdentity))
        .executor(meshServerThreads)
        .handler("/", answer)
        .start();
    registry.putService(ServiceConfig.builder("bench")
        .endpoints(List.of(Endpoint.of("127.0.0.1:" + meshServer.port())))
        .server(new ServerPolicy(List.of("client")))
        .build());
    meshClient = MeshHttp.client(clientMesh, MeshTls.create(clientIdentity));
    meshRequest = new Request.Builder().url("http://bench/").build();
    // the bare client has the client identity's certificate, which the mesh server's policy allows
    bareToMeshRequest = new Request.Builder().url("https://127.0.0.1:" + meshServer.port() + "/").build();

    // meshClient: a registry of its own where bench is the bare server (its certificate names bench).
    bareRegistry = InMemoryRegistry.create();
    bareRegistry.setMesh(new MeshSettings(TRUST_DOMAIN, TlsMode.STRICT));
    bareRegistry.putService(ServiceConfig.of("bench", Endpoint.of("127.0.0.1:" + barePort)));
    meshToBareMesh = Mesh.builder().serviceName("client").registry(bareRegistry).meterRegistry(new SimpleMeterRegistry()).build();
    meshToBareClient = MeshHttp.client(meshToBareMesh, MeshTls.create(clientIdentity));

    for (int i = 0; i < 100; i++) { // handshakes before the first iteration
      call(bareClient, bareRequest);
      call(meshClient, meshRequest);
      call(meshToBareClient, meshRequest);
      call(bareClient, bareToMeshRequest);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    for (OkHttpClient c : new OkHttpClient[] {bareClient, meshClient, meshToBareClient}) {
      c.dispatcher().executorService().shutdown();
      c.connectionPool().evictAll();
    }
    meshServer.close();
    clientMesh.close();
    serverMesh.close();
    registry.close();
    meshToBareMesh.close();
    bareRegistry.close();
    bareServer.stop(0);
    bareServerThreads.shutdownNow();
    meshServerThreads.shutdownNow();
    serverIdentity.close();
    clientIdentity.close();
    try (Stream<Path> files = Files.walk(caFolder)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }

  @Override
  protected int callBare() throws IOException {
    return call(bareClient, bareRequest);
  }

  @Override
  protected int callMesh() throws IOException {
    return call(meshClient, meshRequest);
  }

  @Benchmark
  @Group("pairClient")
  @GroupThreads(1)
  public int pairClientBare() throws IOException {
    return call(bareClient, bareRequest);
  }

  @Benchmark
  @Group("pairClient")
  @GroupThreads(1)
  public int pairClientMesh() throws IOException {
    return call(meshToBareClient, meshRequest);
  }

  @Benchmark
  @Group("pairServer")
  @GroupThreads(1)
  public int pairServerBare() throws IOException {
    return call(bareClient, bareRequest);
  }

  @Benchmark
  @Group("pairServer")
  @GroupThreads(1)
  public int pairServerMesh() throws IOException {
    return call(bareClient, bareToMeshRequest);
  }

  private static int call(OkHttpClient client, Request request) throws IOException {
    try (Response r = client.newCall(request).execute()) {
      if (r.code() != 200) throw new IOException("status " + r.code() + " from " + request.url());
      return r.code() + r.body().bytes().length;
    }
  }

  private static javax.net.ssl.KeyManager[] keyManagers(WorkloadCertificate cert) throws GeneralSecurityException, IOException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("workload", cert.privateKey(), NO_PASSWORD, cert.chain().toArray(new Certificate[0]));
    KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    f.init(store, NO_PASSWORD);
    return f.getKeyManagers();
  }

  private static javax.net.ssl.TrustManager[] trustManagers(DevCertificateAuthority ca) throws GeneralSecurityException, IOException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setCertificateEntry("ca", ca.certificate());
    TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    f.init(store);
    return f.getTrustManagers();
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
