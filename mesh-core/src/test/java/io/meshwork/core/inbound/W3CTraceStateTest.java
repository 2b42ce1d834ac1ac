package io.meshwork.core.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.TraceState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * {@code tracestate} after https://www.w3.org/TR/trace-context-2/#tracestate-header, with the
 * specification's own examples and the W3C test suite's cases.
 */
class W3CTraceStateTest {

  private static W3CTraceState parse(String... lines) {
    return W3CTraceState.parse(List.of(lines).iterator());
  }

  @Test
  void theSpecificationsExamplesAreReadInListOrder() {
    assertThat(parse("rojo=00f067aa0ba902b7").asMap()).containsExactly(Map.entry("rojo", "00f067aa0ba902b7"));
    assertThat(parse("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE").asMap())
        .containsExactly(Map.entry("rojo", "00f067aa0ba902b7"), Map.entry("congo", "t61rcWkgMzE"));
    assertThat(parse("vendorname1=opaqueValue1,vendorname2=opaqueValue2").header())
        .isEqualTo("vendorname1=opaqueValue1,vendorname2=opaqueValue2");
  }

  @Test
  void multiTenantKeysAndEveryKeyTheCurrentGrammarAllowsAreKept() {
    assertThat(parse("tenant@system=1").get("tenant@system")).isEqualTo("1");
    assertThat(parse("fw529a3039@dt=FW4;0;0;0;0;0;0;ab").get("fw529a3039@dt")).isEqualTo("FW4;0;0;0;0;0;0;ab");
    // Allowed by the current key grammar, dropped by OpenTelemetry's builder:
    for (String key : new String[] {"foo@", "foo@@bar", "foo@bar@baz", "1vendor", "t@vvvvvvvvvvvvvvv", "t".repeat(242) + "@v"}) {
      assertThat(parse(key + "=1,bar=2").asMap()).as(key).containsExactly(Map.entry(key, "1"), Map.entry("bar", "2"));
    }
    String allKeyChars = "abcdefghijklmnopqrstuvwxyz0123456789_-*/@";
    assertThat(parse(allKeyChars + "=1").get(allKeyChars)).isEqualTo("1");
  }

  @Test
  void aKeyOf256CharactersIsKeptAndOneOf257DiscardsTheWholeList() {
    assertThat(parse("foo=1", "z".repeat(256) + "=1").size()).isEqualTo(2);
    assertThat(parse("foo=1", "z".repeat(257) + "=1").isEmpty()).isTrue();
  }

  @Test
  void aBadKeyAnywhereDiscardsTheWholeList() {
    for (String bad : new String[] {"foo =1", "FOO=1", "foo.bar=1", "@foo=1,bar=2", "_foo=1", "fo o=1", "=1", "föo=1"}) {
      assertThat(parse("ok=1," + bad).isEmpty()).as(bad).isTrue();
    }
  }

  @Test
  void valuesTakeEveryPrintableAsciiCharacterExceptCommaAndEqualsAndKeepLeadingSpaces() {
    StringBuilder all = new StringBuilder();
    for (char c = 0x20; c <= 0x7E; c++) {
      if (c != ',' && c != '=') all.append(c);
    }
    String value = all.toString(); // starts with a space, ends with '~'
    assertThat(parse("foo=" + value).get("foo")).isEqualTo(value);
    assertThat(parse("foo=" + "v".repeat(256)).get("foo")).hasSize(256);
    assertThat(parse("foo=" + "v".repeat(257)).isEmpty()).isTrue();
  }

  @Test
  void aBadValueAnywhereDiscardsTheWholeList() {
    for (String bad : new String[] {"foo=bar=baz", "foo=", "foo=,bar=3", "foo", "foo=a\tb", "foo=\u00e9", "foo=a\nb"}) {
      assertThat(parse(bad).isEmpty()).as(bad).isTrue();
    }
  }

  @Test
  void spacesAndTabsAroundMembersAreOptionalWhitespace() {
    assertThat(parse("foo=1\t \t,\t \tbar=2,\t \tbaz=3").asMap())
        .containsExactly(Map.entry("foo", "1"), Map.entry("bar", "2"), Map.entry("baz", "3"));
    for (String v : new String[] {" foo=1", "\tfoo=1", "foo=1 ", "foo=1\t", "\t foo=1 \t"}) {
      assertThat(parse(v).asMap()).as("'" + v + "'").containsExactly(Map.entry("foo", "1"));
    }
  }

  @Test
  void emptyHeadersAndEmptyMembersAreAllowedAndIgnored() {
    assertThat(parse("").isEmpty()).isTrue();
    assertThat(parse(" , ,\t,").isEmpty()).isTrue();
    assertThat(parse("foo=1", "").asMap()).containsExactly(Map.entry("foo", "1"));
    assertThat(parse("", "foo=1").asMap()).containsExactly(Map.entry("foo", "1"));
    assertThat(parse("foo=1,,bar=2, ,").header()).isEqualTo("foo=1,bar=2");
  }

  @Test
  void multipleHeaderLinesCombineInOrder() {
    assertThat(parse("foo=1,bar=2", "rojo=1,congo=2", "baz=3").header()).isEqualTo("foo=1,bar=2,rojo=1,congo=2,baz=3");
  }

  @Test
  void thirtyTwoMembersAreKeptAndThirtyThreeDiscardTheWholeList() {
    List<String> members = new ArrayList<>();
    for (int i = 1; i <= 33; i++) members.add(String.format("bar%02d=%02d", i, i));
    String first32 = String.join(",", members.subList(0, 32));
    assertThat(parse(first32).size()).isEqualTo(32);
    assertThat(parse(first32, "bar33=33").isEmpty()).isTrue();
    assertThat(parse(first32 + ",,  ,").size()).as("empty members do not count").isEqualTo(32);
  }

  @Test
  void aRepeatedKeyKeepsItsLeftmostEntry() {
    // The specification lets a vendor discard duplicate keys it did not generate; the W3C suite
    // expects the list itself to be inherited.
    assertThat(parse("foo=1,foo=2").header()).isEqualTo("foo=1");
    assertThat(parse("foo=1", "foo=2").header()).isEqualTo("foo=1");
    assertThat(parse("congo=congosFirstPosition,rojo=rojosFirstPosition,congo=congosSecondPosition").header())
        .isEqualTo("congo=congosFirstPosition,rojo=rojosFirstPosition");
  }

  @Test
  void theBuilderMovesAnUpdatedKeyToTheFrontAndDropsTheRightmostPastThirtyTwo() {
    TraceState state = parse("rojo=1,congo=2").toBuilder().put("congo", "3").put("foo@@bar", "4").build();
    assertThat(state.asMap()).containsExactly(Map.entry("foo@@bar", "4"), Map.entry("congo", "3"), Map.entry("rojo", "1"));
    assertThat(state.toBuilder().put("BAD", "1").put("ok", "").remove("rojo").build().asMap())
        .containsExactly(Map.entry("foo@@bar", "4"), Map.entry("congo", "3"));

    List<String> members = new ArrayList<>();
    for (int i = 1; i <= 32; i++) members.add("k" + i + "=" + i);
    TraceState full = parse(String.join(",", members)).toBuilder().put("new", "x").build();
    assertThat(full.size()).isEqualTo(32);
    assertThat(full.get("new")).isEqualTo("x");
    assertThat(full.get("k32")).as("the rightmost member").isNull();
  }

  @Property(tries = 1000)
  void anyInputParsesWithoutThrowingAndWhatIsKeptParsesBackTheSame(@ForAll("headers") String header) {
    W3CTraceState state = parse(header);
    assertThat(state.size()).isBetween(0, 32);
    assertThat(parse(state.header())).isEqualTo(state);
  }

  @Provide
  Arbitrary<String> headers() {
    Arbitrary<String> member = Arbitraries.oneOf(
        Arbitraries.strings().withChars("abz09_-*/@").ofMinLength(1).ofMaxLength(12)
            .map(k -> "k" + k + "=" + k.length()),
        Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(20),
        Arbitraries.strings().ofMaxLength(10),
        Arbitraries.of("", " ", "\t", "foo=1", "foo=2", "a=b=c", "x= y "));
    return member.list().ofMaxSize(40).map(l -> String.join(",", l));
  }
}
