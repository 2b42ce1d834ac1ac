package io.meshwork.benchmarks;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.ServerPolicy;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.MeshGrpc;
import io.meshwork.grpc.MeshServer;
import io.meshwork.tls.DevCertificateAuthority;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.RotatingIdentity;
import io.meshwork.tls.SpiffeId;
import io.meshwork.tls.WorkloadCertificate;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
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
 * What the mesh adds to a real gRPC call over mutual TLS, end to end: the same unary call, over
 * loopback, with the same certificates (one development CA; the server and client identities'
 * current certificates), in the same run.
 *
 * <ul>
 *   <li>{@code bare}: grpc-java as an application would set up mTLS by hand: three plain Netty
 *       servers with a static key and chain, the CA as trust anchor and client certificates
 *       required; a Netty channel with {@code round_robin} over them, the client's static key
 *       and chain, and a trust manager that validates the server's chain (PKIX against the CA)
 *       without host-name checks (the certificates carry SPIFFE IDs, no DNS names). gRPC's
 *       default provider (BoringSSL).
 *   <li>{@code mesh}: {@code MeshGrpc.channel(mesh, "bench", tls)} to three {@link MeshServer}s
 *       with {@code tls(...)} in strict mode: rotating key managers, SPIFFE trust managers, the
 *       mesh's per-connection negotiators, the server interceptor (caller identity from the
 *       session, {@code server.allow: [client]} checked per call, request meters) and the
 *       client's engine (P2C peak-EWMA, retries, meters).
 * </ul>
 *
 * <p>{@code pair:pairBare} and {@code pair:pairMesh} (from {@link BareVersusMesh}) send the same calls as a JMH group, at the same
 * time, so outside load hits both alike. Handshakes happen before the first iteration (one
 * connection per server and channel, well within the 24 h certificates), so the figures are
 * those of established TLS connections. Payload: 8 bytes through a byte-array marshaller.
 *
 * <p>Run with {@code benchmarks/run.sh grpc-tls} (1 and 2 threads each, {@code -prof gc}).
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Dorg.slf4j.simpleLogger.log.meshwork.access=warn"})
public class GrpcTlsBenchmark extends BareVersusMesh {
  private static final String TRUST_DOMAIN = "bench.local";
  private static final byte[] PAYLOAD = "meshwork".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private final List<Server> bareServers = new ArrayList<>();
  private final List<MeshServer> meshServers = new ArrayList<>();
  private Path caFolder;
  private RotatingIdentity serverIdentity;
  private RotatingIdentity clientIdentity;
  private InMemoryRegistry registry;
  private Mesh serverMesh;
  private Mesh clientMesh;
  private ManagedChannel bareChannel;
  private ManagedChannel meshChannel;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    caFolder = Files.createTempDirectory("meshwork-bench-ca");
    DevCertificateAuthority ca = DevCertificateAuthority.open(caFolder);
    serverIdentity = ca.identity(SpiffeId.forService(TRUST_DOMAIN, "bench"));
    clientIdentity = ca.identity(SpiffeId.forService(TRUST_DOMAIN, "client"));
    WorkloadCertificate serverCert = serverIdentity.current();
    WorkloadCertificate clientCert = clientIdentity.current();

    ServerServiceDefinition echo = ServerServiceDefinition.builder("bench.Echo")
        .addMethod(GrpcBenchmark.ECHO, ServerCalls.asyncUnaryCall((request, out) -> {
          out.onNext(request);
          out.onCompleted();
        }))
        .build();

    // bare: static key material, the CA as trust anchor, client certificates required.
    List<InetSocketAddress> bareAddresses = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      SslContext serverTls = GrpcSslContexts.configure(SslContextBuilder.forServer(serverCert.privateKey(), serverCert.chain()))
          .trustManager(ca.certificate())
          .clientAuth(ClientAuth.REQUIRE)
          .build();
      Server s = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
          .sslContext(serverTls)
          .addService(echo)
          .addService(new HealthStatusManager().getHealthService())
          .build()
          .start();
      bareServers.add(s);
      bareAddresses.add(new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getPort()));
    }
    NameResolverRegistry.getDefaultRegistry().register(new GrpcBenchmark.StaticResolverProvider(bareAddresses));
    SslContext clientTls = GrpcSslContexts.forClient()
        .keyManager(clientCert.privateKey(), clientCert.chain())
        .trustManager(new ChainOnly(ca.certificate()))
        .build();
    bareChannel = NettyChannelBuilder.forTarget(GrpcBenchmark.StaticResolverProvider.SCHEME + ":///bench")
        .defaultLoadBalancingPolicy("round_robin")
        .sslContext(clientTls)
        .build();

    // mesh: strict mTLS, the same CA and identities.
    registry = InMemoryRegistry.create();
    registry.setMesh(new MeshSettings(TRUST_DOMAIN, TlsMode.STRICT));
    serverMesh = Mesh.builder().serviceName("bench").registry(registry).meterRegistry(new SimpleMeterRegistry()).build();
    clientMesh = Mesh.builder().serviceName("client").registry(registry).meterRegistry(new SimpleMeterRegistry()).build();
    MeshTls serverMeshTls = MeshTls.create(serverIdentity);
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      MeshServer s = MeshGrpc.server(serverMesh)
          .tls(serverMeshTls)
          .addService(echo)
          .start();
      meshServers.add(s);
      endpoints.add(Endpoint.of("127.0.0.1:" + s.port()));
    }
    registry.putService(ServiceConfig.builder("bench")
        .endpoints(endpoints)
        .server(new ServerPolicy(List.of("client")))
        .build());
    meshChannel = MeshGrpc.channel(clientMesh, "bench", MeshTls.create(clientIdentity));

    for (int i = 0; i < 100; i++) { // handshakes with every server before the first iteration
      call(bareChannel);
      call(meshChannel);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException, IOException {
    bareChannel.shutdownNow();
    meshChannel.shutdownNow();
    for (Server s : bareServers) s.shutdownNow();
    for (MeshServer s : meshServers) s.shutdownNow();
    for (Server s : bareServers) s.awaitTermination(5, TimeUnit.SECONDS);
    for (MeshServer s : meshServers) s.awaitTermination(java.time.Duration.ofSeconds(5));
    clientMesh.close();
    serverMesh.close();
    registry.close();
    serverIdentity.close();
    clientIdentity.close();
    try (Stream<Path> files = Files.walk(caFolder)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }

  @Override
  protected int callBare() {
    return call(bareChannel);
  }

  @Override
  protected int callMesh() {
    return call(meshChannel);
  }

  private static int call(ManagedChannel channel) {
    return ClientCalls.blockingUnaryCall(channel, GrpcBenchmark.ECHO,
        CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), PAYLOAD).length;
  }

  /**
   * The JDK's PKIX trust manager over one CA, asked through its host-less methods: the chain is
   * validated, no host name is checked (the certificates name SPIFFE IDs, not DNS names).
   */
  static final class ChainOnly extends X509ExtendedTrustManager {
    private final X509TrustManager pkix;

    ChainOnly(X509Certificate ca) throws GeneralSecurityException, IOException {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      store.setCertificateEntry("ca", ca);
      TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      f.init(store);
      this.pkix = (X509TrustManager) f.getTrustManagers()[0];
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      pkix.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      pkix.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      pkix.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      pkix.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      pkix.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      pkix.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return pkix.getAcceptedIssuers();
    }
  }
}
