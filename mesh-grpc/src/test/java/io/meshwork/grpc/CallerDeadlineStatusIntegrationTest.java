package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshwork.core.DeadlineExceededException;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * When the caller's own deadline (CallOptions or gRPC Context) stops a call, a mesh channel
 * reports exactly what a plain grpc-java channel to the same server reports (code and gRPC's
 * description), with the mesh's reason as the status cause; a deadline the mesh decided keeps the
 * mesh's words. Compared on real loopback servers.
 */
class CallerDeadlineStatusIntegrationTest {
  private static final HelloRequest HELLO = HelloRequest.newBuilder().setName("x").build();
  private static final Pattern UP_TO_FIRST_NUMBER = Pattern.compile("^(.*?)(-?\\d|$)", Pattern.DOTALL);

  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("greeter", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private Backend backend;
  private ManagedChannel plainChannel;
  private ManagedChannel meshChannel;
  private GreeterGrpc.GreeterBlockingStub plain;
  private GreeterGrpc.GreeterBlockingStub mesh;

  @BeforeEach
  void setUp() {
    backend = Backend.start(serverMesh);
    Meshes.put(registry, "greeter", ClientPolicy.DEFAULT, List.of(backend));
    plainChannel = ManagedChannelBuilder.forAddress("127.0.0.1", backend.port()).usePlaintext().build();
    meshChannel = MeshGrpc.channel(clientMesh, "greeter");
    plain = GreeterGrpc.newBlockingStub(plainChannel);
    mesh = GreeterGrpc.newBlockingStub(meshChannel);
    plain.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO); // connected
    mesh.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO);
  }

  @AfterEach
  void tearDown() {
    timer.shutdownNow();
    plainChannel.shutdownNow();
    meshChannel.shutdownNow();
    backend.close();
    clientMesh.close();
    serverMesh.close();
    registry.close();
  }

  @Test
  void aCallOptionsDeadlineThatPassesWhileTheServerWorksIsReportedAsGrpcReportsIt() {
    backend.delay = Duration.ofMillis(1500); // deadlines long enough for a cold JVM to start the call in time
    Status expected = failure(() -> plain.withDeadlineAfter(400, TimeUnit.MILLISECONDS).sayHello(HELLO));
    Status actual = failure(() -> mesh.withDeadlineAfter(400, TimeUnit.MILLISECONDS).sayHello(HELLO));

    assertSameAsGrpc(actual, expected);
    assertThat(expected.getDescription()).startsWith("CallOptions deadline exceeded after 0.");
    assertThat(actual.getCause()).isInstanceOf(DeadlineExceededException.class)
        .hasMessageStartingWith("greeter: deadline exceeded after 1 attempt");
  }

  @Test
  void aContextDeadlineThatPassesWhileTheServerWorksIsReportedAsGrpcReportsIt() throws Exception {
    backend.delay = Duration.ofMillis(1500); // deadlines long enough for a cold JVM to start the call in time
    Status expected = inContextWithDeadline(400, () -> failure(() -> plain.sayHello(HELLO)));
    Status actual = inContextWithDeadline(400, () -> failure(() -> mesh.sayHello(HELLO)));

    assertSameAsGrpc(actual, expected);
    assertThat(expected.getDescription()).startsWith("Context deadline exceeded after 0.");
    assertThat(actual.getCause()).isInstanceOf(DeadlineExceededException.class);
  }

  @Test
  void aCallOptionsDeadlineAlreadyPassedIsReportedAsGrpcReportsItAndNotCalledInherited() {
    Status expected = failure(() -> plain.withDeadlineAfter(-10, TimeUnit.MILLISECONDS).sayHello(HELLO));
    Status actual = failure(() -> mesh.withDeadlineAfter(-10, TimeUnit.MILLISECONDS).sayHello(HELLO));

    assertSameAsGrpc(actual, expected);
    assertThat(expected.getDescription()).startsWith("ClientCall started after CallOptions deadline was exceeded ");
    assertThat(actual.getCause()).isInstanceOf(DeadlineExceededException.class)
        .hasMessageStartingWith("greeter: deadline exceeded before the call started (the call's deadline passed ")
        .hasMessageNotContaining("inherited");
    assertThat(backend.hellos.get()).as("nothing sent but the warm-up calls").isEqualTo(2);
  }

  @Test
  void aContextDeadlineAlreadyPassedIsReportedAsGrpcReportsItAndCalledInherited() throws Exception {
    Status expected = inContextWithDeadline(1, () -> {
      TimeUnit.MILLISECONDS.sleep(20);
      return failure(() -> plain.sayHello(HELLO));
    });
    Status actual = inContextWithDeadline(1, () -> {
      TimeUnit.MILLISECONDS.sleep(20);
      return failure(() -> mesh.sayHello(HELLO));
    });

    assertSameAsGrpc(actual, expected);
    assertThat(actual.getCause()).isInstanceOf(DeadlineExceededException.class)
        .hasMessageStartingWith("greeter: deadline exceeded before the call started (inherited deadline passed ");
    assertThat(backend.hellos.get()).isEqualTo(2);
  }

  @Test
  void theMeshPolicysOwnTimeoutKeepsTheMeshsWords() {
    Meshes.put(registry, "greeter", ClientPolicy.builder().timeout(Duration.ofMillis(400)).build(), List.of(backend));
    backend.delay = Duration.ofMillis(1500); // deadlines long enough for a cold JVM to start the call in time
    Status actual = failure(() -> mesh.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO));

    assertThat(actual.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(actual.getDescription()).startsWith("greeter: deadline exceeded after 1 attempt");
    assertThat(actual.getCause()).isInstanceOf(DeadlineExceededException.class);
  }

  private static void assertSameAsGrpc(Status actual, Status expected) {
    assertThat(expected.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(actual.getCode()).isEqualTo(expected.getCode());
    assertThat(upToFirstNumber(actual.getDescription()))
        .as("the mesh channel's description %s against grpc-java's %s", actual.getDescription(), expected.getDescription())
        .isEqualTo(upToFirstNumber(expected.getDescription()))
        .isNotEmpty();
  }

  private static String upToFirstNumber(String description) {
    if (description == null) return "";
    Matcher m = UP_TO_FIRST_NUMBER.matcher(description);
    return m.find() ? m.group(1) : description;
  }

  private <T> T inContextWithDeadline(long millis, Callable<T> body) throws Exception {
    Context.CancellableContext c = Context.current().withDeadlineAfter(millis, TimeUnit.MILLISECONDS, timer);
    try {
      return c.call(body);
    } finally {
      c.cancel(null);
    }
  }

  private static Status failure(Runnable call) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call::run);
    assertThat(e).as("the call should fail").isNotNull();
    return e.getStatus();
  }

}
