package io.meshwork.core.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.Deadline;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshContext;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.ServerPolicy;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.core.testing.FakeTicker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The inbound rule, one for every transport: TLS mode × how the call came × whether the access
 * policy lists the caller × whether its deadline had passed, and what the guard answers.
 */
class InboundGuardDecisionTest {
  private static final String TD = "example.org";
  private static final String FRONTEND = "spiffe://example.org/service/frontend";

  private final FakeTicker ticker = new FakeTicker();
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh mesh = Mesh.builder().serviceName("greeter").registry(registry).ticker(ticker)
      .meterRegistry(new SimpleMeterRegistry()).build();
  private final InboundGuard guard = InboundGuard.create(mesh);

  /** How the call came: what the transport knows. */
  enum Arrival {
    PLAINTEXT(false, null),
    TLS_WITHOUT_CLIENT_CERTIFICATE(true, null),
    TLS_WITH_IDENTITY(true, FRONTEND);

    final boolean tls;
    final String peer;

    Arrival(boolean tls, String peer) {
      this.tls = tls;
      this.peer = peer;
    }
  }

  @AfterEach
  void tearDown() {
    guard.close();
    mesh.close();
    registry.close();
  }

  @Test
  void everyCombinationGetsTheFirstRuleItBreaks() {
    List<String> wrong = new ArrayList<>();
    int cases = 0;
    for (TlsMode mode : TlsMode.values()) {
      for (boolean listed : new boolean[] {true, false}) {
        configure(mode, listed ? List.of("frontend") : List.of("checkout"));
        for (Arrival arrival : Arrival.values()) {
          for (boolean late : new boolean[] {false, true}) {
            cases++;
            RefusalKind expected = mode == TlsMode.STRICT && arrival.peer == null ? RefusalKind.IDENTITY_REQUIRED
                : arrival.peer == null || !listed ? RefusalKind.ACCESS_DENIED
                : late ? RefusalKind.DEADLINE_PASSED
                : null;
            try (InboundCall in = guard.begin(request(arrival, late ? "0" : "5000"), Context.root())) {
              RefusalKind got = in.refusal() == null ? null : in.refusal().kind();
              assertThat(in.refused()).isEqualTo(in.refusal() != null);
              if (got != expected) {
                wrong.add(mode + " " + arrival + (listed ? " listed" : " not listed") + (late ? " late" : "")
                    + ": expected " + expected + ", got " + got);
              }
              if (expected == null) {
                assertThat(MeshContext.callerIdentity(in.context())).isEqualTo(FRONTEND);
              }
              in.status(200);
            }
          }
        }
      }
    }
    assertThat(cases).isEqualTo(36);
    assertThat(wrong).isEmpty();
  }

  @Test
  void strictRequiresAVerifiedIdentityEvenOverTlsAndWhenAnyoneIsAllowed() {
    configure(TlsMode.STRICT, List.of("*"));
    try (InboundCall in = guard.begin(request(Arrival.TLS_WITHOUT_CLIENT_CERTIFICATE, null), Context.root())) {
      assertThat(in.refusal().kind()).isEqualTo(RefusalKind.IDENTITY_REQUIRED);
      assertThat(in.refusal().message()).isEqualTo("greeter: this service requires mutual TLS (mesh TLS mode is"
          + " strict): every call needs a verified client identity, but this call came over TLS without a client"
          + " certificate (a connection opened before the mode changed)");
    }
    try (InboundCall in = guard.begin(request(Arrival.PLAINTEXT, null), Context.root())) {
      assertThat(in.refusal().kind()).isEqualTo(RefusalKind.IDENTITY_REQUIRED);
      assertThat(in.refusal().message()).startsWith("greeter: this service requires mutual TLS (mesh TLS mode is"
          + " strict): every call needs a verified client identity, but this call came over plaintext");
    }
    try (InboundCall in = guard.begin(request(Arrival.TLS_WITH_IDENTITY, null), Context.root())) {
      assertThat(in.refused()).isFalse();
    }
  }

  @Test
  void anIdentityClaimedOverPlaintextCountsAsNone() {
    configure(TlsMode.PERMISSIVE, List.of("frontend"));
    InboundRequest spoofed = new Request(false, FRONTEND, null);
    try (InboundCall in = guard.begin(spoofed, Context.root())) {
      assertThat(in.refusal().kind()).isEqualTo(RefusalKind.ACCESS_DENIED);
      assertThat(MeshContext.callerIdentity(in.context())).isNull();
    }
    configure(TlsMode.STRICT, List.of("frontend"));
    try (InboundCall in = guard.begin(spoofed, Context.root())) {
      assertThat(in.refusal().kind()).isEqualTo(RefusalKind.IDENTITY_REQUIRED);
    }
  }

  @Test
  void anonymousCallersPassOnlyWhereAnyoneIsAllowedAndTheModeIsNotStrict() {
    for (TlsMode mode : new TlsMode[] {TlsMode.DISABLED, TlsMode.PERMISSIVE}) {
      configure(mode, List.of("*"));
      try (InboundCall in = guard.begin(request(Arrival.PLAINTEXT, null), Context.root())) {
        assertThat(in.refused()).as("%s", mode).isFalse();
        assertThat(MeshContext.callerIdentity(in.context())).isNull();
      }
    }
  }

  @Test
  void theDenialNamesTheServiceTheCallerAndTheRule() {
    configure(TlsMode.PERMISSIVE, List.of("checkout", "spiffe://other.org/service/frontend"));
    try (InboundCall in = guard.begin(request(Arrival.TLS_WITH_IDENTITY, null), Context.root())) {
      assertThat(in.refusal()).isEqualTo(new Refusal(RefusalKind.ACCESS_DENIED, "greeter: caller " + FRONTEND
          + " is not allowed (allow: checkout, spiffe://other.org/service/frontend)"));
    }
    try (InboundCall in = guard.begin(request(Arrival.PLAINTEXT, null), Context.root())) {
      assertThat(in.refusal().message()).isEqualTo("greeter: the caller has no verified identity (no client"
          + " certificate); allow: checkout, spiffe://other.org/service/frontend");
    }
    configure(TlsMode.PERMISSIVE, List.of(FRONTEND));
    try (InboundCall in = guard.begin(request(Arrival.TLS_WITH_IDENTITY, null), Context.root())) {
      assertThat(in.refused()).as("a SPIFFE ID entry").isFalse();
    }
  }

  @Test
  void anInheritedDeadlineThatPassedWhileTheCallWaitedIsRefused() {
    configure(TlsMode.PERMISSIVE, List.of("*"));
    Context parent = MeshContext.withDeadline(Context.root(), Deadline.afterNanos(Duration.ofMillis(50).toNanos(), ticker));
    ticker.advance(Duration.ofMillis(51));
    try (InboundCall in = guard.begin(request(Arrival.PLAINTEXT, null), parent)) {
      assertThat(in.refusal().kind()).isEqualTo(RefusalKind.DEADLINE_PASSED);
      assertThat(in.refusal().message()).isEqualTo(
          "greeter: deadline exceeded before the request was handled (the caller's deadline had passed)");
    }
    try (InboundCall in = guard.begin(request(Arrival.PLAINTEXT, "0"), Context.root())) {
      assertThat(in.refusal().message()).isEqualTo(
          "greeter: deadline exceeded before the request was handled (the caller's mesh-timeout-ms was 0 ms)");
    }
  }

  @Test
  void refusalsAreRecordedAsRefusedWithTheirKindAndTheTransportsStatus() {
    configure(TlsMode.STRICT, List.of("checkout"));
    try (InboundCall in = guard.begin(request(Arrival.PLAINTEXT, null), Context.root())) {
      in.status(503);
    }
    try (InboundCall in = guard.begin(request(Arrival.TLS_WITH_IDENTITY, null), Context.root())) {
      in.status(403);
    }
    configure(TlsMode.STRICT, List.of("frontend"));
    try (InboundCall in = guard.begin(request(Arrival.TLS_WITH_IDENTITY, "0"), Context.root())) {
      in.status(504);
    }
    assertThat(refused("unknown", "503", "identity-required")).isEqualTo(1);
    assertThat(refused("frontend", "403", "access-denied")).isEqualTo(1);
    assertThat(refused("frontend", "504", "deadline-exceeded")).isEqualTo(1);
    assertThat(mesh.meterRegistry().find(InboundGuard.REQUESTS).tag("outcome", "success").timers()).isEmpty();
  }

  @Test
  void aChangeOfPolicyInTheRegistryAppliesToTheNextCall() {
    configure(TlsMode.PERMISSIVE, List.of("checkout"));
    try (InboundCall in = guard.begin(request(Arrival.TLS_WITH_IDENTITY, null), Context.root())) {
      assertThat(in.refused()).isTrue();
    }
    configure(TlsMode.PERMISSIVE, List.of("checkout", "frontend"));
    try (InboundCall in = guard.begin(request(Arrival.TLS_WITH_IDENTITY, null), Context.root())) {
      assertThat(in.refused()).isFalse();
    }
    registry.setMesh(new MeshSettings("other.org", TlsMode.PERMISSIVE));
    try (InboundCall in = guard.begin(request(Arrival.TLS_WITH_IDENTITY, null), Context.root())) {
      assertThat(in.refused()).as("frontend of example.org is not frontend of other.org").isTrue();
    }
  }

  private long refused(String caller, String status, String errorType) {
    return mesh.meterRegistry().get(InboundGuard.REQUESTS).tags("caller", caller, "outcome", "refused",
        "status", status, "error.type", errorType).timer().count();
  }

  private void configure(TlsMode mode, List<String> allow) {
    registry.setMesh(new MeshSettings(TD, mode));
    registry.putService(ServiceConfig.builder("greeter").server(new ServerPolicy(allow)).build());
  }

  private static InboundRequest request(Arrival arrival, String timeoutMillis) {
    return new Request(arrival.tls, arrival.peer, timeoutMillis);
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
