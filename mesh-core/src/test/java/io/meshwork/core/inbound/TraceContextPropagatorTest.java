package io.meshwork.core.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** traceparent and tracestate through the propagator, after the W3C specification's rules and examples. */
class TraceContextPropagatorTest {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String PARENT_ID = "00f067aa0ba902b7";
  private static final String EXAMPLE = "00-" + TRACE_ID + "-" + PARENT_ID + "-01";

  private final TraceContextPropagator propagator = TraceContextPropagator.getInstance();

  @Test
  void theSpecificationsExampleIsARemoteSampledParent() {
    SpanContext sc = extract("traceparent", EXAMPLE);
    assertThat(sc.isValid()).isTrue();
    assertThat(sc.isRemote()).isTrue();
    assertThat(sc.getTraceId()).isEqualTo(TRACE_ID);
    assertThat(sc.getSpanId()).isEqualTo(PARENT_ID);
    assertThat(sc.isSampled()).isTrue();
    assertThat(sc.getTraceState().isEmpty()).isTrue();
    assertThat(extract("traceparent", "00-" + TRACE_ID + "-" + PARENT_ID + "-00").isSampled()).isFalse();
  }

  @Test
  void malformedTraceparentsGiveNoParent() {
    String[] bad = {
      "ff-" + TRACE_ID + "-" + PARENT_ID + "-01",                                   // version 255
      "00-" + TRACE_ID + "-" + PARENT_ID + "-01.",                                  // 00 with more
      "00-" + TRACE_ID + "-" + PARENT_ID + "-01-what-the-future-will-be-like",      // 00 with more
      "cc-" + TRACE_ID + "-" + PARENT_ID + "-01.what-the-future-will-be-like",      // no '-' after flags
      "00-00000000000000000000000000000000-" + PARENT_ID + "-01",                   // zero trace-id
      "00-" + TRACE_ID + "-0000000000000000-01",                                    // zero parent-id
      "00-" + TRACE_ID.toUpperCase(Locale.ROOT) + "-" + PARENT_ID + "-01",          // upper case
      "0-" + TRACE_ID + "-" + PARENT_ID + "-01", "000-" + TRACE_ID + "-" + PARENT_ID + "-01",
      ".0-" + TRACE_ID + "-" + PARENT_ID + "-01",
      "00-" + TRACE_ID + "1-" + PARENT_ID + "-01", "00-" + TRACE_ID.substring(1) + "-" + PARENT_ID + "-01",
      "00-" + TRACE_ID + "-" + PARENT_ID + "1-01", "00-" + TRACE_ID + "-" + PARENT_ID.substring(1) + "-01",
      "00-" + TRACE_ID + "-" + PARENT_ID + "-.0", "00-" + TRACE_ID + "-" + PARENT_ID + "-001",
      "00-" + TRACE_ID + "-" + PARENT_ID + "-1", "", "garbage",
    };
    for (String value : bad) {
      assertThat(extract("traceparent", value).isValid()).as(value).isFalse();
    }
  }

  @Test
  void aHigherVersionIsReadAsVersionZeroWhenItsFirstFieldsFit() {
    assertThat(extract("traceparent", "cc-" + TRACE_ID + "-" + PARENT_ID + "-01").getTraceId()).isEqualTo(TRACE_ID);
    assertThat(extract("traceparent", "cc-" + TRACE_ID + "-" + PARENT_ID + "-01-what-the-future-will-be-like").getTraceId())
        .isEqualTo(TRACE_ID);
  }

  @Test
  void spacesAndTabsAroundTheTraceparentAreIgnored() {
    for (String v : new String[] {" " + EXAMPLE, "\t" + EXAMPLE, EXAMPLE + " ", EXAMPLE + "\t", "\t " + EXAMPLE + " \t"}) {
      assertThat(extract("traceparent", v).getTraceId()).as("'" + v + "'").isEqualTo(TRACE_ID);
    }
  }

  @Test
  void twoTraceparentHeadersGiveNoParent() {
    assertThat(extract("traceparent", EXAMPLE, "traceparent", "00-" + TRACE_ID.replace('4', '5') + "-" + PARENT_ID + "-01")
        .isValid()).isFalse();
  }

  @Test
  void theRandomFlagIsKeptAndUnknownFlagsAreDropped() {
    TraceFlags random = extract("traceparent", "00-" + TRACE_ID + "-" + PARENT_ID + "-02").getTraceFlags();
    assertThat(random.isTraceIdRandom()).isTrue();
    assertThat(random.isSampled()).isFalse();
    assertThat(extract("traceparent", "00-" + TRACE_ID + "-" + PARENT_ID + "-ff").getTraceFlags().asHex()).isEqualTo("03");
  }

  @Test
  void aValidTracestateIsReadAndAnInvalidOneIsDroppedButTheTraceparentKept() {
    SpanContext kept = extract("traceparent", EXAMPLE, "tracestate", "rojo=00f067aa0ba902b7", "tracestate", "congo=t61rcWkgMzE");
    assertThat(kept.getTraceState().asMap())
        .containsExactly(Map.entry("rojo", "00f067aa0ba902b7"), Map.entry("congo", "t61rcWkgMzE"));

    SpanContext dropped = extract("traceparent", EXAMPLE, "tracestate", "rojo=1,@congo=2");
    assertThat(dropped.getTraceId()).isEqualTo(TRACE_ID);
    assertThat(dropped.getTraceState().isEmpty()).isTrue();
  }

  @Test
  void aTracestateWithoutTraceparentIsDiscarded() {
    assertThat(extract("tracestate", "foo=1").isValid()).isFalse();
  }

  @Test
  void injectionWritesVersionZeroAndTheTracestateInOrderWithKeysOpenTelemetrysBuilderWouldDrop() {
    SpanContext remote = extract("traceparent", "cc-" + TRACE_ID + "-" + PARENT_ID + "-03-future",
        "tracestate", "foo@@bar=1, 1vendor=2,rojo=3");
    Map<String, String> headers = new LinkedHashMap<>();
    propagator.inject(Context.root().with(Span.wrap(remote)), headers, Map::put);
    assertThat(headers).containsExactly(
        Map.entry("traceparent", "00-" + TRACE_ID + "-" + PARENT_ID + "-03"),
        Map.entry("tracestate", "foo@@bar=1,1vendor=2,rojo=3"));
  }

  @Test
  void injectionWritesNoTracestateWhenItIsEmptyAndNothingWithoutAValidSpan() {
    Map<String, String> headers = new LinkedHashMap<>();
    propagator.inject(Context.root(), headers, Map::put);
    assertThat(headers).isEmpty();
    SpanContext sc = SpanContext.create(TRACE_ID, PARENT_ID, TraceFlags.getSampled(),
        TraceState.builder().put("otel", "1").build());
    propagator.inject(Context.root().with(Span.wrap(sc)), headers, Map::put);
    assertThat(headers).containsExactly(Map.entry("traceparent", EXAMPLE), Map.entry("tracestate", "otel=1"));
  }

  @Property(tries = 1000)
  void anyTraceparentParsesWithoutThrowing(@ForAll String value) {
    SpanContext sc = extract("traceparent", value, "tracestate", value);
    if (sc.isValid()) assertThat(sc.getTraceId()).hasSize(32);
  }

  /** Extracts from header lines given as name, value, name, value... (names may repeat). */
  private SpanContext extract(String... nameValues) {
    List<String[]> lines = new ArrayList<>();
    for (int i = 0; i < nameValues.length; i += 2) lines.add(new String[] {nameValues[i], nameValues[i + 1]});
    Context c = propagator.extract(Context.root(), lines, new Lines());
    return Span.fromContext(c).getSpanContext();
  }

  /** A carrier of header lines in order, looked up case-insensitively, with every value. */
  private static final class Lines implements TextMapGetter<List<String[]>> {
    @Override
    public Iterable<String> keys(List<String[]> carrier) {
      List<String> keys = new ArrayList<>();
      for (String[] l : carrier) keys.add(l[0]);
      return keys;
    }

    @Override
    public String get(List<String[]> carrier, String key) {
      Iterator<String> all = getAll(carrier, key);
      return all.hasNext() ? all.next() : null;
    }

    @Override
    public Iterator<String> getAll(List<String[]> carrier, String key) {
      List<String> values = new ArrayList<>();
      for (String[] l : carrier) if (l[0].equalsIgnoreCase(key)) values.add(l[1]);
      return values.iterator();
    }
  }
}
