package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloReply;
import io.meshwork.grpc.test.HelloRequest;
import io.opentelemetry.api.GlobalOpenTelemetry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tracing metadata without app forwarding, with no OpenTelemetry anywhere: the meshes are built
 * without {@code openTelemetry(...)} and no SDK or agent is registered globally. A plain gRPC
 * client calls B with {@code traceparent} and {@code baggage} metadata; B's handler calls C
 * through B's mesh channel and forwards nothing by hand. The trace reaches C.
 */
class DefaultTracePropagationIntegrationTest {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String TRACEPARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";
  private static final Metadata.Key<String> TRACEPARENT_KEY = Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> BAGGAGE_KEY = Metadata.Key.of("baggage", Metadata.ASCII_STRING_MARSHALLER);

  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private Mesh b;
  private Mesh c;
  private Backend middle;
  private Backend backend;
  private ManagedChannel bToC;
  private ManagedChannel plainToB;

  @BeforeEach
  void setUp() {
    GlobalOpenTelemetry.resetForTest(); // nothing registered: the meshes find the API's no-op
    b = Meshes.of("middle", registry);
    c = Meshes.of("backend", registry);
    backend = Backend.start(c);
    middle = Backend.start(b);
    Meshes.put(registry, "backend", ClientPolicy.DEFAULT, List.of(backend));
    Meshes.put(registry, "middle", ClientPolicy.DEFAULT, List.of(middle));
    bToC = MeshGrpc.channel(b, "backend");
    GreeterGrpc.GreeterBlockingStub toC = GreeterGrpc.newBlockingStub(bToC);
    // B's handler: call C, no metadata forwarded.
    middle.hook.set(request -> toC.sayHello(request));
    plainToB = ManagedChannelBuilder.forAddress("127.0.0.1", middle.port()).usePlaintext().build();
  }

  @AfterEach
  void tearDown() {
    plainToB.shutdownNow();
    bToC.shutdownNow();
    middle.close();
    backend.close();
    b.close();
    c.close();
    registry.close();
    GlobalOpenTelemetry.resetForTest();
  }

  @Test
  void aTraceparentArrivingAtBReachesCWithTheSameTraceIdAndTheCallersBaggage() {
    Metadata sent = new Metadata();
    sent.put(TRACEPARENT_KEY, TRACEPARENT);
    sent.put(BAGGAGE_KEY, "tenant=acme");

    HelloReply reply = call(sent);

    assertThat(middle.lastTraceId).as("trace id of B's handler context").isEqualTo(TRACE_ID);
    Metadata atC = backend.lastHeaders;
    assertThat(atC).as("metadata at C").isNotNull();
    assertThat(atC.get(TRACEPARENT_KEY)).as("traceparent at C")
        .isNotNull().startsWith("00-" + TRACE_ID + "-").endsWith("-01");
    assertThat(atC.get(BAGGAGE_KEY)).as("baggage at C").isEqualTo("tenant=acme");
    assertThat(reply.getTraceId()).as("trace id of C's handler context").isEqualTo(TRACE_ID);
  }

  @Test
  void aCallWithoutATraceReachesCWithoutOne() {
    HelloReply reply = call(new Metadata());

    assertThat(backend.lastHeaders.containsKey(TRACEPARENT_KEY)).as("traceparent at C").isFalse();
    assertThat(backend.lastHeaders.containsKey(BAGGAGE_KEY)).as("baggage at C").isFalse();
    assertThat(reply.getTraceId()).isEmpty();
  }

  private HelloReply call(Metadata metadata) {
    return GreeterGrpc.newBlockingStub(plainToB)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata))
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .sayHello(HelloRequest.newBuilder().setName("x").build());
  }
}
