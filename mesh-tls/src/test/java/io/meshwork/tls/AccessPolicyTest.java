package io.meshwork.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.AccessDeniedException;
import io.meshwork.core.model.ServerPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {
  private static final String TD = "example.org";
  private final AccessPolicy policy = AccessPolicy.of(
      new ServerPolicy(List.of("frontend", "spiffe://partner.com/ns/billing", "spiffe://bad id", "Not/A/Name")), TD);

  @Test
  void aServiceNameAllowsThatServiceInTheMeshTrustDomain() {
    AccessDecision d = policy.check(SpiffeId.forService(TD, "frontend"));
    assertThat(d.allowed()).isTrue();
    assertThat(d.reason()).isEqualTo("caller spiffe://example.org/service/frontend is allowed (allow: frontend)");
  }

  @Test
  void aServiceNameDoesNotAllowTheSameNameInAnotherTrustDomain() {
    AccessDecision d = policy.check(SpiffeId.forService("evil.org", "frontend"));
    assertThat(d.allowed()).isFalse();
    assertThat(d.reason()).isEqualTo("caller spiffe://evil.org/service/frontend is not allowed "
        + "(allow: frontend, spiffe://partner.com/ns/billing, spiffe://bad id, Not/A/Name)");
  }

  @Test
  void aSpiffeIdAllowsExactlyThatIdentityInAnyTrustDomain() {
    assertThat(policy.check(SpiffeId.parse("spiffe://partner.com/ns/billing")).allowed()).isTrue();
    assertThat(policy.check("spiffe://partner.com/ns/billing").allowed()).isTrue();
    assertThat(policy.check(SpiffeId.parse("spiffe://partner.com/ns/billing/x")).allowed()).isFalse();
  }

  @Test
  void anUnlistedCallerIsDeniedWithItsIdentityInTheReason() {
    AccessDecision d = policy.check(SpiffeId.forService(TD, "checkout"));
    assertThat(d.allowed()).isFalse();
    assertThat(d.reason()).startsWith("caller spiffe://example.org/service/checkout is not allowed (allow: frontend");
  }

  @Test
  void aCallerWithoutIdentityIsDeniedUnlessAnyoneIsAllowed() {
    AccessDecision d = policy.check((SpiffeId) null);
    assertThat(d.allowed()).isFalse();
    assertThat(d.reason()).startsWith("the caller has no verified identity (no client certificate); allow: frontend");

    AccessPolicy open = AccessPolicy.of(ServerPolicy.DEFAULT, TD);
    assertThat(open.check((String) null).allowed()).isTrue();
    assertThat(open.check(SpiffeId.forService("evil.org", "x")).reason()).isEqualTo("any caller is allowed (allow: *)");
  }

  @Test
  void malformedEntriesMatchNobodyAndAreListed() {
    assertThat(policy.ignoredEntries()).containsExactly("spiffe://bad id", "Not/A/Name");
    assertThat(policy.check("spiffe://bad id").allowed()).isFalse();
  }

  @Test
  void anAllowedCheckAllocatesNoNewDecision() {
    SpiffeId frontend = SpiffeId.forService(TD, "frontend");
    assertThat(policy.check(frontend)).isSameAs(policy.check(frontend));
  }

  @Test
  void aDenialBecomesTheMeshAccessDeniedException() {
    AccessDeniedException e = policy.check(SpiffeId.forService(TD, "evil")).toException("greeter");
    assertThat(e.getMessage()).startsWith("greeter: caller spiffe://example.org/service/evil is not allowed");
    assertThat(e.httpStatus()).isEqualTo(403);
    assertThat(e.grpcCode()).isEqualTo(7);
    assertThat(AccessPolicy.check(new ServerPolicy(List.of("evil")), TD, SpiffeId.forService(TD, "evil")).allowed())
        .isTrue();
  }
}
