package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.CircuitBreakerPolicy;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.LoadBalancerKind;
import io.meshwork.core.model.OutlierDetectionPolicy;
import io.meshwork.core.model.RetryBudgetPolicy;
import io.meshwork.core.model.RetryPolicy;
import io.meshwork.core.model.RetryThrottlePolicy;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloReply;
import io.meshwork.grpc.test.HelloRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The registry's {@code client.retries.idempotentMethods} makes a method whose proto does not
 * declare {@code idempotency_level} retryable after its request reached a server. Real Netty
 * servers and channels on loopback: one server answers every call UNAVAILABLE (a response: the
 * request reached it), the other answers OK. {@code Register} is the unmarked unary method.
 *
 * <p>Calls are made one at a time, so the servers' counters tell, for each call, which server
 * its attempts reached. Round robin sends some first attempts to the failing server; the
 * assertions are per call (whatever server a call started on), plus that enough calls started on
 * the failing one. Outlier detection, the circuit breaker and the retry budget's throttle are
 * off, so nothing but the idempotency rule decides whether a call is retried.
 */
class RegistryIdempotentMethodsIntegrationTest {
  private static final String REGISTER = GreeterGrpc.getRegisterMethod().getFullMethodName();
  private static final String SERVICE_WILDCARD = GreeterGrpc.SERVICE_NAME + "/*";
  private static final HelloRequest HELLO = HelloRequest.newBuilder().setName("x").build();
  private static final String REFUSAL = "refused by the test server";
  private static final RetryPolicy RETRIES = RetryPolicy.DEFAULT.withBackoff(Duration.ofMillis(1), Duration.ofMillis(5));
  private static final int CALLS = 8;

  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh serverMesh = Meshes.of("greeter", registry);
  private final Mesh clientMesh = Meshes.of("frontend", registry);
  private Backend unavailable;
  private Backend ok;
  private ManagedChannel channel;
  private GreeterGrpc.GreeterBlockingStub stub;

  @BeforeEach
  void setUp() {
    unavailable = Backend.start(serverMesh);
    unavailable.failWith = Status.UNAVAILABLE.withDescription(REFUSAL);
    ok = Backend.start(serverMesh);
    put(RETRIES);
    channel = MeshGrpc.channel(clientMesh, "greeter");
    stub = GreeterGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    unavailable.close();
    ok.close();
    clientMesh.close();
    serverMesh.close();
  }

  /** Puts greeter with both servers and these retries; nothing else may stop a retry. */
  private void put(RetryPolicy retries) {
    Meshes.put(registry, "greeter", ClientPolicy.builder()
        .retries(retries)
        .loadBalancer(LoadBalancerKind.ROUND_ROBIN)
        .outlierDetection(OutlierDetectionPolicy.DISABLED)
        .circuitBreaker(CircuitBreakerPolicy.DISABLED)
        .retryBudget(new RetryBudgetPolicy(1000, 100_000, Duration.ofSeconds(10), RetryThrottlePolicy.DISABLED))
        .build(), List.of(unavailable, ok));
  }

  /** One call: what the caller saw, and how many attempts each server got. */
  private record Result(Status.Code code, String description, int replyPort, int atUnavailable, int atOk) {
    boolean startedOnTheUnavailableServer() {
      return atUnavailable > 0;
    }
  }

  private Result register() {
    return call(() -> stub.withDeadlineAfter(5, TimeUnit.SECONDS).register(HELLO), false);
  }

  private Result sayHello() {
    return call(() -> stub.withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HELLO), true);
  }

  private Result call(java.util.function.Supplier<HelloReply> rpc, boolean hellos) {
    int u0 = count(unavailable, hellos);
    int o0 = count(ok, hellos);
    Status.Code code = Status.Code.OK;
    String description = null;
    int port = -1;
    try {
      port = rpc.get().getServerPort();
    } catch (StatusRuntimeException e) {
      code = e.getStatus().getCode();
      description = e.getStatus().getDescription();
    }
    return new Result(code, description, port, count(unavailable, hellos) - u0, count(ok, hellos) - o0);
  }

  private static int count(Backend b, boolean hellos) {
    return hellos ? b.hellos.get() : b.registers.get();
  }

  /** {@link #CALLS} calls; at least a quarter of them must have started on the failing server. */
  private List<Result> calls(java.util.function.Supplier<Result> call) {
    List<Result> results = new ArrayList<>();
    for (int i = 0; i < CALLS; i++) {
      results.add(call.get());
    }
    assertThat(results).as("round robin sends first attempts to the failing server too")
        .filteredOn(Result::startedOnTheUnavailableServer).hasSizeGreaterThanOrEqualTo(CALLS / 4);
    return results;
  }

  /** Calls until one starts on the failing server (round robin: within a few). */
  private Result nextCallStartingOnTheUnavailableServer() {
    for (int i = 0; i < CALLS; i++) {
      Result r = register();
      if (r.startedOnTheUnavailableServer()) {
        return r;
      }
      assertSucceededOnOkServerOnly(r);
    }
    throw new AssertionError("no call of " + CALLS + " started on the failing server");
  }

  private void assertFailedWithoutRetry(Result r) {
    assertThat(r.code()).as("%s", r).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(r.description()).as("the server's own answer, not a mesh refusal: %s", r).isEqualTo(REFUSAL);
    assertThat(r.atUnavailable()).as("attempts at the failing server: %s", r).isEqualTo(1);
    assertThat(r.atOk()).as("not retried on the other server: %s", r).isZero();
  }

  private void assertRetriedOnTheOtherServer(Result r) {
    assertThat(r.code()).as("%s", r).isEqualTo(Status.Code.OK);
    assertThat(r.replyPort()).as("answered by the OK server: %s", r).isEqualTo(ok.port());
    assertThat(r.atUnavailable()).as("attempts at the failing server: %s", r).isEqualTo(1);
    assertThat(r.atOk()).as("the retry: %s", r).isEqualTo(1);
  }

  private void assertSucceededOnOkServerOnly(Result r) {
    assertThat(r.code()).as("%s", r).isEqualTo(Status.Code.OK);
    assertThat(r.replyPort()).as("%s", r).isEqualTo(ok.port());
    assertThat(r.atUnavailable()).as("%s", r).isZero();
    assertThat(r.atOk()).as("%s", r).isEqualTo(1);
  }

  /** Every call that started on the failing server meets {@code onFailing}; the others succeeded at once. */
  private void assertEach(List<Result> results, java.util.function.Consumer<Result> onFailing) {
    Predicate<Result> failing = Result::startedOnTheUnavailableServer;
    results.stream().filter(failing).forEach(onFailing);
    results.stream().filter(failing.negate()).forEach(this::assertSucceededOnOkServerOnly);
  }

  @Test
  void anUnmarkedMethodAnsweredUnavailableIsNotRetried() {
    assertThat(GreeterGrpc.getRegisterMethod().isIdempotent()).isFalse();
    assertThat(GreeterGrpc.getRegisterMethod().isSafe()).isFalse();

    assertEach(calls(this::register), this::assertFailedWithoutRetry);
  }

  @Test
  void theProtoIdempotentMethodIsRetriedInTheSameSetUp() {
    // The control: SayHello declares idempotency_level = IDEMPOTENT, so the set-up does retry.
    assertEach(calls(this::sayHello), this::assertRetriedOnTheOtherServer);
  }

  @Test
  void aMethodTheRegistryListsByNameIsRetriedOnTheOtherServer() {
    put(RETRIES.withIdempotentMethods(REGISTER));

    assertEach(calls(this::register), this::assertRetriedOnTheOtherServer);
  }

  @Test
  void aMethodWhoseServiceTheRegistryListsIsRetriedOnTheOtherServer() {
    put(RETRIES.withIdempotentMethods(SERVICE_WILDCARD));

    assertEach(calls(this::register), this::assertRetriedOnTheOtherServer);
  }

  @Test
  void entriesForOtherMethodsOrServicesDoNotMarkIt() {
    // SayHello by name, a service whose name is a prefix of Greeter's, one that Greeter's prefixes.
    put(RETRIES.withIdempotentMethods(GreeterGrpc.getSayHelloMethod().getFullMethodName(),
        "meshwork.test.Greete/*", "meshwork.test.GreeterAdmin/*", "meshwork.test.Greeter/Registe"));

    assertEach(calls(this::register), this::assertFailedWithoutRetry);
  }

  @Test
  void aChangeInTheRegistryAppliesToTheNextCall() {
    assertFailedWithoutRetry(nextCallStartingOnTheUnavailableServer());

    put(RETRIES.withIdempotentMethods(REGISTER));
    // InMemoryRegistry tells its listeners before putService returns: nothing to wait for.
    assertThat(clientMesh.destination("greeter").snapshot().config().client().retries().idempotent(REGISTER)).isTrue();
    assertRetriedOnTheOtherServer(nextCallStartingOnTheUnavailableServer());
    assertRetriedOnTheOtherServer(nextCallStartingOnTheUnavailableServer());

    put(RETRIES.withIdempotentMethods(SERVICE_WILDCARD));
    assertRetriedOnTheOtherServer(nextCallStartingOnTheUnavailableServer());

    put(RETRIES);
    assertFailedWithoutRetry(nextCallStartingOnTheUnavailableServer());
    assertFailedWithoutRetry(nextCallStartingOnTheUnavailableServer());
  }
}
