package io.meshwork.benchmarks;

import io.grpc.CallOptions;
import io.grpc.EquivalentAddressGroup;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusOr;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.MeshGrpc;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * What the mesh adds to a real gRPC call: the same unary call, over loopback, to the same three
 * servers, in the same run, through a bare grpc-java channel and through a {@link MeshGrpc}
 * channel.
 *
 * <ul>
 *   <li>{@code bare}: a Netty channel with gRPC's defaults (retries on) and {@code round_robin}
 *       over the three addresses (a static name resolver).
 *   <li>{@code mesh}: {@code MeshGrpc.channel(mesh, "bench")}: mesh call (deadline, route, slot,
 *       breaker), the engine's P2C peak-EWMA pick in the picker, a stream tracer, a client span
 *       (no-op OpenTelemetry, as when tracing is off), outcome, meters; health checking on.
 * </ul>
 *
 * <p>{@code pair:pairBare} and {@code pair:pairMesh} (from {@link BareVersusMesh}) send the same calls as a JMH group: their threads
 * run at the same time, so load from outside the benchmark hits both alike; that ratio is the
 * fairer one on a noisy machine. The servers are plain gRPC servers (no mesh interceptor),
 * echoing an 8-byte payload through a byte-array marshaller (no protobuf cost), shared by both
 * channels. Read the figures as ratios of one run.
 *
 * <p>Run with {@code benchmarks/run.sh grpc} (1 and 2 threads each, {@code -prof gc}).
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Dorg.slf4j.simpleLogger.log.meshwork.access=warn"})
public class GrpcBenchmark extends BareVersusMesh {
  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };
  static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName("bench.Echo/Echo")
      .setRequestMarshaller(BYTES)
      .setResponseMarshaller(BYTES)
      .setIdempotent(true)
      .build();
  private static final byte[] PAYLOAD = "meshwork".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private final List<Server> servers = new ArrayList<>();
  private InMemoryRegistry registry;
  private Mesh mesh;
  private ManagedChannel bareChannel;
  private ManagedChannel meshChannel;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    ServerServiceDefinition echo = ServerServiceDefinition.builder("bench.Echo")
        .addMethod(ECHO, ServerCalls.asyncUnaryCall((request, out) -> {
          out.onNext(request);
          out.onCompleted();
        }))
        .build();
    List<InetSocketAddress> addresses = new ArrayList<>();
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Server s = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
          .addService(echo)
          .addService(new HealthStatusManager().getHealthService())
          .build()
          .start();
      servers.add(s);
      int port = ((InetSocketAddress) s.getListenSockets().get(0)).getPort();
      addresses.add(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      endpoints.add(Endpoint.of("127.0.0.1:" + port));
    }

    NameResolverRegistry.getDefaultRegistry().register(new StaticResolverProvider(addresses));
    bareChannel = NettyChannelBuilder.forTarget(StaticResolverProvider.SCHEME + ":///bench")
        .defaultLoadBalancingPolicy("round_robin")
        .usePlaintext()
        .build();

    registry = InMemoryRegistry.create();
    registry.putService(ServiceConfig.of("bench", endpoints.toArray(new Endpoint[0])));
    mesh = Mesh.builder().serviceName("client").registry(registry).meterRegistry(new SimpleMeterRegistry()).build();
    meshChannel = MeshGrpc.channel(mesh, "bench");
    for (int i = 0; i < 100; i++) { // connect both before the first iteration
      call(bareChannel);
      call(meshChannel);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    bareChannel.shutdownNow();
    meshChannel.shutdownNow();
    mesh.close();
    registry.close();
    for (Server s : servers) s.shutdownNow();
    for (Server s : servers) s.awaitTermination(5, TimeUnit.SECONDS);
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
    return ClientCalls.blockingUnaryCall(channel, ECHO,
        CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), PAYLOAD).length;
  }

  /** {@code bench-static:///x}: the three servers' addresses, for the bare channel's round robin. */
  static final class StaticResolverProvider extends NameResolverProvider {
    static final String SCHEME = "bench-static";
    private final List<InetSocketAddress> addresses;

    StaticResolverProvider(List<InetSocketAddress> addresses) {
      this.addresses = List.copyOf(addresses);
    }

    @Override
    public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
      if (!SCHEME.equals(targetUri.getScheme())) return null;
      return new NameResolver() {
        @Override
        public String getServiceAuthority() {
          return "bench";
        }

        @Override
        public void start(Listener2 listener) {
          List<EquivalentAddressGroup> groups = new ArrayList<>();
          for (InetSocketAddress a : addresses) groups.add(new EquivalentAddressGroup(a));
          listener.onResult2(ResolutionResult.newBuilder().setAddressesOrError(StatusOr.fromValue(groups)).build());
        }

        @Override
        public void shutdown() {}
      };
    }

    @Override
    public String getDefaultScheme() {
      return SCHEME;
    }

    @Override
    protected boolean isAvailable() {
      return true;
    }

    @Override
    protected int priority() {
      return 5;
    }

    @Override
    public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
      return List.of(InetSocketAddress.class);
    }
  }
}
