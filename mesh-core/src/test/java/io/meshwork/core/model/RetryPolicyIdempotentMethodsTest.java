package io.meshwork.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link RetryPolicy#idempotent}: which gRPC methods the registry's list names, and which entries it refuses. */
class RetryPolicyIdempotentMethodsTest {
  private static final RetryPolicy POLICY =
      RetryPolicy.DEFAULT.withIdempotentMethods("greeter.Greeter/SayHello", "a.B/*", "Plain/Get");

  @Test
  void anExactNameMatchesThatMethodOnly() {
    assertThat(POLICY.idempotent("greeter.Greeter/SayHello")).isTrue();
    assertThat(POLICY.idempotent("Plain/Get")).isTrue();
    assertThat(POLICY.idempotent("greeter.Greeter/Register")).isFalse();
    assertThat(POLICY.idempotent("greeter.Greeter/SayHello2")).isFalse();
    assertThat(POLICY.idempotent("greeter.Greeter/sayHello")).as("case matters, as in gRPC").isFalse();
    assertThat(POLICY.idempotent("other.Greeter/SayHello")).isFalse();
  }

  @Test
  void aServiceWildcardMatchesEveryMethodOfThatServiceOnly() {
    assertThat(POLICY.idempotent("a.B/M")).isTrue();
    assertThat(POLICY.idempotent("a.B/Other")).isTrue();
    assertThat(POLICY.idempotent("a.BC/M")).as("a service whose name a listed one prefixes").isFalse();
    assertThat(POLICY.idempotent("x.a.B/M")).isFalse();
    assertThat(POLICY.idempotent("a.B/")).as("no method").isFalse();
    assertThat(POLICY.idempotent("a.B")).isFalse();
    assertThat(POLICY.idempotent("a.B/M/N")).isFalse();
  }

  @Test
  void nothingMatchesByDefaultOrForNull() {
    assertThat(RetryPolicy.DEFAULT.idempotentMethods()).isEqualTo(IdempotentMethods.NONE);
    assertThat(RetryPolicy.DEFAULT.idempotent("greeter.Greeter/SayHello")).isFalse();
    assertThat(RetryPolicy.none().idempotent("a.B/M")).isFalse();
    assertThat(POLICY.idempotent(null)).isFalse();
    assertThat(new RetryPolicy(2, Set.of(), Set.of(), Duration.ofMillis(1), Duration.ofMillis(1), null, null)
        .idempotentMethods()).isEqualTo(IdempotentMethods.NONE);
  }

  @Test
  void theListIsASetAndSurvivesTheOtherWithHelpers() {
    assertThat(IdempotentMethods.of("a.B/*", "c.D/E", "a.B/*")).isEqualTo(IdempotentMethods.of("c.D/E", "a.B/*"));
    assertThat(IdempotentMethods.of("a.B/*", "c.D/E").names()).containsExactlyInAnyOrder("a.B/*", "c.D/E");
    assertThat(IdempotentMethods.of(List.of())).isSameAs(IdempotentMethods.NONE);
    RetryPolicy changed = POLICY.withMaxAttempts(5).withBackoff(Duration.ofMillis(2), Duration.ofMillis(3))
        .withPerTryTimeout(Duration.ofSeconds(1)).withOn(Set.of(RetryCondition.RESET), Set.of(503));
    assertThat(changed.idempotentMethods()).isEqualTo(POLICY.idempotentMethods());
    assertThat(changed.idempotent("a.B/M")).isTrue();
    assertThat(POLICY).isNotEqualTo(RetryPolicy.DEFAULT);
    assertThat(POLICY.withIdempotentMethods()).isEqualTo(RetryPolicy.DEFAULT);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "SayHello", "greeter.Greeter.SayHello", "/greeter.Greeter/SayHello",
      "greeter.Greeter/", "/SayHello", "a/b/c", "greeter.Greeter/Say*", "*/*", "*/M", "a.*/M", "greeter Greeter/M",
      "a.B/M ", "a.B/\tM", "a.B/M\n", "a.B/\u00a0M", "a.B/\u0000"})
  void badEntriesAreRefusedSayingWhatIsExpected(String entry) {
    assertThatThrownBy(() -> RetryPolicy.DEFAULT.withIdempotentMethods("a.B/M", entry))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("retries.idempotentMethods: '")
        .hasMessageContaining("(expected: a gRPC method such as greeter.Greeter/SayHello, or greeter.Greeter/*");
  }

  @Test
  void messagesSayWhatIsWrongAndEscapeControlCharacters() {
    assertThatThrownBy(() -> IdempotentMethods.check("a/b/c")).hasMessageEndingWith(
        "with exactly one '/' between service and method)");
    assertThatThrownBy(() -> IdempotentMethods.check("a.B/\nM")).hasMessageStartingWith(
        "retries.idempotentMethods: 'a.B/\\nM' (expected:").hasMessageEndingWith("without whitespace or control characters)");
    assertThatThrownBy(() -> IdempotentMethods.check("a.B/Get*")).hasMessageEndingWith(
        "where * stands alone for a whole service's methods)");
    assertThatThrownBy(() -> IdempotentMethods.check(null)).hasMessageStartingWith("retries.idempotentMethods: null");
    assertThatThrownBy(() -> IdempotentMethods.of(Arrays.asList("a.B/M", null))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void entriesAreAtMost300Characters() {
    String longest = "s".repeat(IdempotentMethods.MAX_LENGTH - 2) + "/*";
    assertThat(IdempotentMethods.check(longest)).isEqualTo(longest);
    assertThat(IdempotentMethods.of(longest).contains("s".repeat(IdempotentMethods.MAX_LENGTH - 2) + "/M")).isTrue();
    assertThatThrownBy(() -> IdempotentMethods.check("s" + longest))
        .hasMessageEndingWith("at most 300 characters, not 301)")
        .hasMessageContaining("…'");
  }

  @Test
  void unusualButValidNamesAreAccepted() {
    RetryPolicy p = RetryPolicy.DEFAULT.withIdempotentMethods("Svc/M", "a_b.C-d/é", "a.B/_x9");
    assertThat(p.idempotent("Svc/M")).isTrue();
    assertThat(p.idempotent("a_b.C-d/é")).isTrue();
    assertThat(p.idempotent("a.B/_x9")).isTrue();
  }
}
