package io.meshwork.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.model.ServerPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

class AccessPolicyCacheTest {
  private static final String FRONTEND = "spiffe://example.org/service/frontend";
  private final AccessPolicyCache cache = new AccessPolicyCache();

  @Test
  void aChangedPolicyOrTrustDomainTakesEffectOnTheNextCheck() {
    ServerPolicy frontendOnly = new ServerPolicy(List.of("frontend"));
    assertThat(cache.check(frontendOnly, "example.org", FRONTEND).allowed()).isTrue();
    assertThat(cache.check(frontendOnly, "example.org", "spiffe://example.org/service/intruder").allowed()).isFalse();

    assertThat(cache.check(new ServerPolicy(List.of("checkout")), "example.org", FRONTEND).allowed()).isFalse();
    assertThat(cache.check(frontendOnly, "other.org", FRONTEND).allowed()).as("frontend of another domain").isFalse();
    assertThat(cache.check(frontendOnly, "example.org", FRONTEND).allowed()).isTrue();
  }

  @Test
  void aTrustDomainThatCannotNameCallersAdmitsOnlyUnderAllowAnyone() {
    assertThat(cache.check(ServerPolicy.DEFAULT, "not a domain", null).allowed()).isTrue();

    AccessDecision refused = cache.check(new ServerPolicy(List.of("frontend")), "not a domain", FRONTEND);
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.reason()).startsWith("the registry's trust domain cannot name callers (");
  }
}
