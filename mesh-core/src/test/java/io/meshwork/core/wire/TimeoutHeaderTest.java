package io.meshwork.core.wire;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class TimeoutHeaderTest {

  @Test
  void wellFormedMillisecondsAreRead() {
    assertThat(TimeoutHeader.parse("250").millis()).isEqualTo(250);
    assertThat(TimeoutHeader.parse(" 1500 ").millis()).isEqualTo(1500);
    assertThat(TimeoutHeader.parse("0").valid()).isTrue();
    assertThat(TimeoutHeader.parse("0").millis()).isZero();
  }

  @Test
  void absurdValuesAreCappedAtOneDay() {
    TimeoutHeader.Parsed p = TimeoutHeader.parse("999999999999");
    assertThat(p.valid()).isTrue();
    assertThat(p.millis()).isEqualTo(TimeoutHeader.MAX_MILLIS);
  }

  @Test
  void malformedValuesAreRefusedWithAReason() {
    for (String bad : new String[] {"", "   ", "-5", "+5", "1.5", "10ms", "1e3", "0x10", "12 34", "١٢٣", "9999999999999"}) {
      TimeoutHeader.Parsed p = TimeoutHeader.parse(bad);
      assertThat(p.valid()).as(bad).isFalse();
      assertThat(p.problem()).as(bad).isNotBlank();
    }
    assertThat(TimeoutHeader.parse(null).valid()).isFalse();
  }

  @Test
  void formatNeverWritesNegativeOrAbsurdValues() {
    assertThat(TimeoutHeader.format(-3)).isEqualTo("0");
    assertThat(TimeoutHeader.format(Long.MAX_VALUE)).isEqualTo(Long.toString(TimeoutHeader.MAX_MILLIS));
  }

  @Property(tries = 500)
  void anyStringParsesWithoutThrowing(@ForAll String anything) {
    TimeoutHeader.Parsed p = TimeoutHeader.parse(anything);
    if (p.valid()) {
      assertThat(p.millis()).isBetween(0L, TimeoutHeader.MAX_MILLIS);
    } else {
      assertThat(p.problem()).isNotBlank();
    }
  }

  @Property(tries = 300)
  void formattedValuesParseBack(@ForAll @LongRange(min = 0, max = 86_400_000L) long ms) {
    assertThat(TimeoutHeader.parse(TimeoutHeader.format(ms)).millis()).isEqualTo(ms);
  }

  @Test
  void attemptHeaderReadsOnlySaneNumbers() {
    assertThat(AttemptHeader.parse("2")).isEqualTo(2);
    assertThat(AttemptHeader.parse("0")).isZero();
    assertThat(AttemptHeader.parse("-1")).isZero();
    assertThat(AttemptHeader.parse("abc")).isZero();
    assertThat(AttemptHeader.parse("101")).isZero();
    assertThat(AttemptHeader.parse(null)).isZero();
  }
}
