package io.meshwork.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SpiffeIdTest {

  @Test
  void aServiceIdentityHasTheTrustDomainAndTheServiceName() {
    SpiffeId id = SpiffeId.forService("example.org", "greeter");

    assertThat(id).hasToString("spiffe://example.org/service/greeter");
    assertThat(id.trustDomain()).isEqualTo("example.org");
    assertThat(id.path()).isEqualTo("/service/greeter");
    assertThat(id.serviceName()).contains("greeter");
    assertThat(id.isService("example.org", "greeter")).isTrue();
    assertThat(id.isService("example.org", "greet")).isFalse();
    assertThat(id.isService("other.org", "greeter")).isFalse();
    assertThat(id.toUri().getScheme()).isEqualTo("spiffe");
    assertThat(SpiffeId.parse("spiffe://example.org/service/greeter")).isEqualTo(id).hasSameHashCodeAs(id);
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "spiffe://example.org",
    "spiffe://example.org/ns/prod/sa/greeter",
    "spiffe://a_b-c.d9/X.Y_z-1",
    "spiffe://example.org/service/greeter/v2",
  })
  void validIdsParse(String s) {
    assertThat(SpiffeId.parse(s)).hasToString(s);
    assertThat(SpiffeId.tryParse(s)).isPresent();
  }

  @Test
  void onlyAPathOfExactlyServiceAndANameHasAServiceName() {
    assertThat(SpiffeId.parse("spiffe://example.org").serviceName()).isEmpty();
    assertThat(SpiffeId.parse("spiffe://example.org/service").serviceName()).isEmpty();
    assertThat(SpiffeId.parse("spiffe://example.org/service/a/b").serviceName()).isEmpty();
    assertThat(SpiffeId.parse("spiffe://example.org/ns/x").serviceName()).isEmpty();
    assertThat(SpiffeId.parse("spiffe://example.org/service/a/b").isService("example.org", "a/b")).isFalse();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "https://example.org/service/greeter | the scheme must be 'spiffe://'",
    "SPIFFE://example.org/service/greeter | the scheme must be lower-case 'spiffe'",
    "spiffe:/example.org | the scheme must be 'spiffe://'",
    "spiffe:// | the trust domain is missing",
    "spiffe:///service/greeter | the trust domain is missing",
    "spiffe://Example.org/service/greeter | the trust domain must be lower case",
    "spiffe://example.org:8443/service/greeter | the trust domain must not have a port",
    "spiffe://user@example.org/x | the trust domain must not have user info",
    "spiffe://example.org/ | the path must not end with '/'",
    "spiffe://example.org/service/ | the path must not end with '/'",
    "spiffe://example.org//greeter | the path has an empty segment",
    "spiffe://example.org/service/./x | the path must not have '.' or '..' segments",
    "spiffe://example.org/service/.. | the path must not have '.' or '..' segments",
    "spiffe://example.org/service/gr%65eter | percent-encoding is not allowed",
    "spiffe://example.org/service/greeter?x=1 | a SPIFFE ID has no query or fragment",
    "spiffe://example.org/service/greeter#f | a SPIFFE ID has no query or fragment",
    "spiffe://exa mple.org | the trust domain has the character ' '",
    "spiffe://example.org/a b | the path has the character ' '",
  })
  void invalidIdsAreRefusedWithTheReason(String s, String reason) {
    assertThatThrownBy(() -> SpiffeId.parse(s))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("spiffe id: '" + s + "' (expected: spiffe://<trust domain>[/<path>]")
        .hasMessageContaining(reason);
    assertThat(SpiffeId.tryParse(s)).isEmpty();
  }

  @Test
  void nullEmptyAndOverlongIdsAreRefused() {
    assertThat(SpiffeId.tryParse(null)).isEmpty();
    assertThat(SpiffeId.tryParse("")).isEmpty();
    assertThat(SpiffeId.tryParse("spiffe://" + "a".repeat(256))).isEmpty();
    assertThat(SpiffeId.tryParse("spiffe://" + "a".repeat(255))).isPresent();
    assertThat(SpiffeId.tryParse("spiffe://a/" + "b".repeat(2048))).isEmpty();
  }

  @Test
  void serviceIdentitiesNeedAValidTrustDomainAndOneSegmentName() {
    assertThatThrownBy(() -> SpiffeId.forService("Example.org", "greeter"))
        .hasMessageStartingWith("trust domain: 'Example.org'");
    assertThatThrownBy(() -> SpiffeId.forService("example.org", "a/b"))
        .hasMessageStartingWith("service name: 'a/b'").hasMessageContaining("one path segment");
    assertThatThrownBy(() -> SpiffeId.forService("example.org", ".."))
        .hasMessageStartingWith("service name: '..'");
    assertThatThrownBy(() -> SpiffeId.forService("example.org", ""))
        .hasMessageStartingWith("service name: ''");
  }

  @Property(tries = 300)
  void everyMeshServiceNameMakesAnIdThatParsesBackToItself(@ForAll("serviceNames") String name,
      @ForAll("trustDomains") String td) {
    SpiffeId id = SpiffeId.forService(td, name);
    SpiffeId again = SpiffeId.parse(id.toString());
    assertThat(again).isEqualTo(id);
    assertThat(again.serviceName()).contains(name);
    assertThat(again.trustDomain()).isEqualTo(td);
  }

  @Property(tries = 500)
  void parsingNeverThrowsAnythingButIllegalArgument(@ForAll("junk") String s) {
    try {
      SpiffeId id = SpiffeId.parse(s);
      assertThat(id.toString()).isEqualTo(s);
    } catch (IllegalArgumentException expected) {
      assertThat(expected.getMessage()).startsWith("spiffe id: ");
    }
  }

  @Provide
  Arbitrary<String> serviceNames() {
    // The registry's service names: [a-z0-9]([a-z0-9.-]*[a-z0-9])?, at most 63 characters.
    Arbitrary<String> edge = Arbitraries.strings().withChars("abcxyz0189").ofLength(1);
    Arbitrary<String> middle = Arbitraries.strings().withChars("abz09.-").ofMaxLength(61);
    return net.jqwik.api.Combinators.combine(edge, middle, edge).as((a, m, b) -> a + m + b)
        .filter(n -> !n.contains(".."));
  }

  @Provide
  Arbitrary<String> trustDomains() {
    return Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789.-_").ofMinLength(1).ofMaxLength(40);
  }

  @Provide
  Arbitrary<String> junk() {
    Arbitrary<String> tail = Arbitraries.strings().withChars("aZ09./-_:@?#% ").ofMaxLength(30);
    return Arbitraries.oneOf(tail.map(t -> "spiffe://" + t), tail.map(t -> "spiffe://example.org" + t), tail);
  }
}
