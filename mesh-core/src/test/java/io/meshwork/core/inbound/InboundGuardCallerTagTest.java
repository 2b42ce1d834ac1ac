package io.meshwork.core.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.Mesh;
import io.meshwork.core.MeshContext;
import io.meshwork.core.registry.InMemoryRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.context.Context;
import org.junit.jupiter.api.Test;

/** The caller tag of {@code mesh.server.requests} comes from the identity the transport verified. */
class InboundGuardCallerTagTest {
  @Test
  void aMeshIdentityIsTaggedWithItsServiceName() {
    assertThat(InboundGuard.callerTag("spiffe://example.org/service/frontend")).isEqualTo("frontend");
  }

  @Test
  void noIdentityIsUnknownAndAnyOtherIdentityIsOther() {
    assertThat(InboundGuard.callerTag(null)).isEqualTo("unknown");
    assertThat(InboundGuard.callerTag("spiffe://example.org/ns/default/sa/frontend")).isEqualTo("other");
    assertThat(InboundGuard.callerTag("spiffe://example.org/service/a/b")).isEqualTo("other");
    assertThat(InboundGuard.callerTag("spiffe://example.org/service/")).isEqualTo("other");
    assertThat(InboundGuard.callerTag("spiffe://example.org")).isEqualTo("other");
  }

  @Test
  void theRequestTimerCarriesTheCallerTheTransportVerified() {
    try (InMemoryRegistry registry = InMemoryRegistry.create();
        Mesh mesh = Mesh.builder().serviceName("greeter").registry(registry).meterRegistry(new SimpleMeterRegistry()).build()) {
      InboundGuard guard = InboundGuard.create(mesh);
      InboundRequest request = request(false, null);
      try (InboundCall in = guard.begin(request(true, "spiffe://example.org/service/frontend"), Context.root())) {
        assertThat(MeshContext.callerIdentity(in.context())).isEqualTo("spiffe://example.org/service/frontend");
        in.status(200);
      }
      try (InboundCall in = guard.begin(request, Context.root())) {
        assertThat(MeshContext.callerIdentity(in.context())).isNull();
        in.status(200);
      }
      assertThat(mesh.meterRegistry().get(InboundGuard.REQUESTS).tag("caller", "frontend").timer().count()).isEqualTo(1);
      assertThat(mesh.meterRegistry().get(InboundGuard.REQUESTS).tag("caller", "unknown").timer().count()).isEqualTo(1);
    }
  }

  @Test
  void anIdentityClaimedWithoutTlsIsNone() {
    try (InMemoryRegistry registry = InMemoryRegistry.create();
        Mesh mesh = Mesh.builder().serviceName("greeter").registry(registry).meterRegistry(new SimpleMeterRegistry()).build();
        InboundGuard guard = InboundGuard.create(mesh)) {
      try (InboundCall in = guard.begin(request(false, "spiffe://example.org/service/frontend"), Context.root())) {
        assertThat(MeshContext.callerIdentity(in.context())).isNull();
        in.status(200);
      }
      assertThat(mesh.meterRegistry().get(InboundGuard.REQUESTS).tag("caller", "unknown").timer().count()).isEqualTo(1);
    }
  }

  private static InboundRequest request(boolean tls, String peer) {
    return new InboundRequest() {
      @Override
      public String method() {
        return "GET";
      }

      @Override
      public String header(String lowerCaseName) {
        return null;
      }

      @Override
      public boolean tls() {
        return tls;
      }

      @Override
      public String peerIdentity() {
        return peer;
      }
    };
  }
}
