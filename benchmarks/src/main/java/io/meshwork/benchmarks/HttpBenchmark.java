package io.meshwork.benchmarks;

import com.sun.net.httpserver.HttpServer;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.http.MeshHttp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
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
 * What the mesh adds to a real HTTP call: the same GET, over loopback, to the same server, in
 * the same run, sent by a bare OkHttp client and by a {@link MeshHttp} client.
 *
 * <ul>
 *   <li>{@code bare}: {@code new OkHttpClient()} to {@code http://127.0.0.1:<port>/}.
 *   <li>{@code mesh}: {@code MeshHttp.client(mesh)} to {@code http://bench/}: destination
 *       lookup, new call (deadline, route, slot, breaker), P2C pick, URL rewrite, {@code
 *       mesh-timeout-ms} header, per-attempt timeouts, a client span (no-op OpenTelemetry, as
 *       when tracing is off), outcome, meters.
 *   <li>{@code meshPassThrough}: the mesh client to the same {@code 127.0.0.1} URL, which is not
 *       a service: the cost a mesh client adds to calls outside the mesh.
 * </ul>
 *
 * <p>{@code inMemoryBare} and {@code inMemoryMesh} are the same two clients with one more
 * application interceptor at the end that answers {@code 200 ok} itself: the full OkHttp call
 * machinery and the mesh's work, no socket. Their difference is the mesh's own cost per call,
 * free of the loopback round trip's noise.
 *
 * <p>{@code pair:pairBare} and {@code pair:pairMesh} (from {@link BareVersusMesh}) send the same two calls as a JMH group: their
 * threads run at the same time, in the same iterations, so load from outside the benchmark (a
 * shared machine) hits both alike. Their ratio is the fairer one where the machine is noisy;
 * the separate benchmarks above are the textbook form. {@code -tg N,N} sets N threads for each.
 *
 * <p>The server is the JDK's {@code HttpServer} on 127.0.0.1 with {@code
 * sun.net.httpserver.nodelay=true} and two handler threads, answering {@code 200 ok}; it is
 * shared, so its cost is in every figure alike. The {@code meshwork.access} log is off (it
 * writes one line per call at DEBUG; the fork sets it to WARN in case the default level is
 * lowered). Read the figures as ratios of one run; the loopback
 * round trip dominates.
 *
 * <p>Run with {@code benchmarks/run.sh http} (1 and 2 threads, {@code -prof gc}).
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Dsun.net.httpserver.nodelay=true", "-Dorg.slf4j.simpleLogger.log.meshwork.access=warn"})
public class HttpBenchmark extends BareVersusMesh {
  private static final MediaType TEXT = MediaType.get("text/plain");

  private HttpServer server;
  private ExecutorService serverThreads;
  private InMemoryRegistry registry;
  private Mesh mesh;
  private OkHttpClient bareClient;
  private OkHttpClient meshClient;
  private OkHttpClient inMemoryBareClient;
  private OkHttpClient inMemoryMeshClient;
  private Request bareRequest;
  private Request meshRequest;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    byte[] ok = "ok".getBytes(StandardCharsets.UTF_8);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    serverThreads = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "bench-server");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(serverThreads);
    server.createContext("/", exchange -> {
      try (InputStream in = exchange.getRequestBody()) {
        in.readAllBytes();
      }
      exchange.sendResponseHeaders(200, ok.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(ok);
      }
    });
    server.start();
    int port = server.getAddress().getPort();

    registry = InMemoryRegistry.create();
    registry.putService(ServiceConfig.of("bench", Endpoint.of("127.0.0.1:" + port)));
    mesh = Mesh.builder().serviceName("client").registry(registry).meterRegistry(new SimpleMeterRegistry()).build();
    bareClient = new OkHttpClient();
    meshClient = MeshHttp.client(mesh);
    Interceptor answer = chain -> new Response.Builder()
        .request(chain.request()).protocol(Protocol.HTTP_1_1).code(200).message("OK")
        .body(ResponseBody.create(ok, TEXT)).build();
    inMemoryBareClient = bareClient.newBuilder().addInterceptor(answer).build();
    inMemoryMeshClient = meshClient.newBuilder().addInterceptor(answer).build();
    bareRequest = new Request.Builder().url("http://127.0.0.1:" + port + "/").build();
    meshRequest = new Request.Builder().url("http://bench/").build();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    for (OkHttpClient c : new OkHttpClient[] {bareClient, meshClient}) {
      c.dispatcher().executorService().shutdown();
      c.connectionPool().evictAll();
    }
    mesh.close();
    registry.close();
    server.stop(0);
    serverThreads.shutdownNow();
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
  public int meshPassThrough() throws IOException {
    return call(meshClient, bareRequest);
  }

  @Benchmark
  public int inMemoryBare() throws IOException {
    return call(inMemoryBareClient, bareRequest);
  }

  @Benchmark
  public int inMemoryMesh() throws IOException {
    return call(inMemoryMeshClient, meshRequest);
  }

  private static int call(OkHttpClient client, Request request) throws IOException {
    try (Response r = client.newCall(request).execute()) {
      return r.code() + r.body().bytes().length;
    }
  }
}
