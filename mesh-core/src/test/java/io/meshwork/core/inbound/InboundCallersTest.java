package io.meshwork.core.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.Mesh;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.ServerPolicy;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.core.testing.FakeTicker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Who calls this service: the inbound guard counts each decision per verified caller identity,
 * and {@link Mesh#inboundCallers()} shows it.
 */
class InboundCallersTest {
  private static final String FRONTEND = "spiffe://example.org/service/frontend";
  private static final String CHECKOUT = "spiffe://example.org/service/checkout";

  private final FakeTicker ticker = new FakeTicker();
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh mesh = Mesh.builder().serviceName("greeter").registry(registry).ticker(ticker)
      .meterRegistry(new SimpleMeterRegistry()).build();
  private final InboundGuard guard = InboundGuard.create(mesh);

  @AfterEach
  void tearDown() {
    guard.close();
    mesh.close();
    registry.close();
  }

  private void configure(TlsMode mode, List<String> allow) {
    registry.setMesh(new MeshSettings("example.org", mode));
    registry.putService(ServiceConfig.builder("greeter").server(new ServerPolicy(allow)).build());
  }

  private void call(InboundGuard g, boolean tls, String peer, String timeout) {
    try (InboundCall in = g.begin(new Request(tls, peer, timeout), Context.root())) {
      in.status(in.refused() ? 403 : 200);
    }
  }

  private void call(boolean tls, String peer, String timeout) {
    call(guard, tls, peer, timeout);
  }

  private InboundCaller caller(String identity) {
    return mesh.inboundCallers().stream().filter(c -> c.identity().equals(identity)).findFirst().orElseThrow(
        () -> new AssertionError(identity + " not in " + mesh.inboundCallers()));
  }

  @Test
  void eachDecisionIsCountedUnderTheVerifiedCallerWithItsRuleAndWhenLastSeen() {
    configure(TlsMode.PERMISSIVE, List.of("frontend"));
    assertThat(mesh.inboundCallers()).isEmpty();

    call(true, FRONTEND, null);
    call(true, FRONTEND, null);
    ticker.advance(Duration.ofSeconds(5));
    call(true, FRONTEND, "0");               // deadline passed
    call(true, CHECKOUT, null);              // not allowed
    call(false, null, null);                 // plaintext: anonymous, not allowed
    call(false, FRONTEND, null);             // an identity claimed over plaintext counts as none
    ticker.advance(Duration.ofMillis(1500));

    assertThat(mesh.inboundCallers()).containsExactly(
        new InboundCaller(FRONTEND, 2, Map.of(RefusalKind.DEADLINE_PASSED, 1L), Duration.ofMillis(1500)),
        new InboundCaller("anonymous", 0, Map.of(RefusalKind.ACCESS_DENIED, 2L), Duration.ofMillis(1500)),
        new InboundCaller(CHECKOUT, 0, Map.of(RefusalKind.ACCESS_DENIED, 1L), Duration.ofMillis(1500)));
    assertThat(caller(FRONTEND).refusedTotal()).isEqualTo(1);

    configure(TlsMode.STRICT, List.of("*"));
    call(false, null, null);
    assertThat(caller("anonymous").refused()).containsEntry(RefusalKind.IDENTITY_REQUIRED, 1L)
        .containsEntry(RefusalKind.ACCESS_DENIED, 2L);
    assertThat(caller("anonymous").sinceLastSeen()).isZero();
    assertThat(caller(FRONTEND).sinceLastSeen()).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void everyGuardOfTheMeshCountsIntoTheSameCallers() {
    configure(TlsMode.PERMISSIVE, List.of("*"));
    try (InboundGuard grpc = InboundGuard.create(mesh)) {
      call(grpc, true, FRONTEND, null);
    }
    call(true, FRONTEND, null);
    assertThat(caller(FRONTEND).accepted()).isEqualTo(2);
  }

  @Test
  void callersBeyondTheBoundAreCountedTogetherAsOther() {
    configure(TlsMode.PERMISSIVE, List.of("*"));
    int distinct = InboundCaller.MAX_CALLERS + 44;
    for (int i = 0; i < distinct; i++) {
      call(true, "spiffe://example.org/service/caller-" + i, null);
    }
    call(true, "spiffe://example.org/service/caller-0", null); // known before the bound: its own

    List<InboundCaller> callers = mesh.inboundCallers();
    assertThat(callers).hasSize(InboundCaller.MAX_CALLERS + 1);
    assertThat(caller("other").accepted()).isEqualTo(44);
    assertThat(caller("spiffe://example.org/service/caller-0").accepted()).isEqualTo(2);
    assertThat(callers.get(0).identity()).as("most requests first").isEqualTo("other");
  }

  @Test
  void aCallersRecordIsACopy() {
    configure(TlsMode.PERMISSIVE, List.of("*"));
    call(true, FRONTEND, null);
    InboundCaller before = caller(FRONTEND);
    call(true, FRONTEND, null);
    assertThat(before.accepted()).isEqualTo(1);
    assertThat(caller(FRONTEND).accepted()).isEqualTo(2);
  }

  private record Request(boolean tls, String peerIdentity, String timeoutMillis) implements InboundRequest {
    @Override
    public String method() {
      return "GET";
    }

    @Override
    public String scheme() {
      return tls ? "https" : "http";
    }

    @Override
    public String header(String lowerCaseName) {
      return lowerCaseName.equals("mesh-timeout-ms") ? timeoutMillis : null;
    }
  }
}
