package io.meshwork.core.inbound;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;

/**
 * W3C Trace Context ({@code traceparent}, {@code tracestate}), Level 2, as a drop-in
 * replacement for OpenTelemetry's {@code W3CTraceContextPropagator} that passes the whole W3C
 * test suite. Configure it where you would configure that one:
 *
 * <pre>{@code
 * OpenTelemetrySdk.builder()
 *     .setPropagators(ContextPropagators.create(TextMapPropagator.composite(
 *         TraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance())))
 *     ...
 * }</pre>
 *
 * <p>What it does beyond OpenTelemetry's (1.67):
 * <ul>
 *   <li>{@code tracestate} follows the current key grammar (see {@link W3CTraceState}), so keys
 *       such as {@code foo@@bar} or {@code 1vendor} are kept, not silently dropped;
 *   <li>several {@code tracestate} header lines are combined in order, empty and whitespace-only
 *       list-members are ignored, and a list that breaks the grammar anywhere, or has more than
 *       32 members, is dropped as a whole while the {@code traceparent} is kept; a repeated key
 *       keeps its leftmost entry;
 *   <li>two {@code traceparent} header lines make the trace context invalid (a new trace
 *       starts), as the suite requires; spaces and tabs around the value are ignored;
 *   <li>trace-flags keep only the bits the specification defines (sampled, random), so unknown
 *       ones are sent on as 0.
 * </ul>
 * It reads repeated headers through {@link TextMapGetter#getAll}; a carrier whose getter does
 * not implement it is read one value per name.
 *
 * <p>Injects {@code traceparent} version {@code 00} and, when not empty, {@code tracestate},
 * from any {@link TraceState} implementation.
 *
 * <p>Thread-safe, stateless. Extraction parses in one pass with no regular expressions.
 *
 * @see <a href="https://www.w3.org/TR/trace-context-2/">W3C Trace Context Level 2</a>
 */
public final class TraceContextPropagator implements TextMapPropagator {
  static final String TRACEPARENT = "traceparent";
  static final String TRACESTATE = "tracestate";
  private static final List<String> FIELDS = List.of(TRACEPARENT, TRACESTATE);
  private static final TraceContextPropagator INSTANCE = new TraceContextPropagator();

  // version "-" trace-id "-" parent-id "-" trace-flags
  private static final int TRACE_ID_OFFSET = 3;
  private static final int SPAN_ID_OFFSET = 36;
  private static final int FLAGS_OFFSET = 53;
  private static final int LENGTH = 55;
  /** The trace-flags this version defines: sampled (0x01) and random (0x02, Level 2). */
  private static final int KNOWN_FLAGS = 0x03;

  private TraceContextPropagator() {}

  /** The propagator; it keeps no state. */
  public static TraceContextPropagator getInstance() {
    return INSTANCE;
  }

  @Override
  public Collection<String> fields() {
    return FIELDS;
  }

  @Override
  public <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {
    if (context == null || setter == null) return;
    SpanContext sc = Span.fromContext(context).getSpanContext();
    if (!sc.isValid()) return;
    char[] chars = new char[LENGTH];
    chars[0] = '0';
    chars[1] = '0';
    chars[2] = '-';
    sc.getTraceId().getChars(0, 32, chars, TRACE_ID_OFFSET);
    chars[SPAN_ID_OFFSET - 1] = '-';
    sc.getSpanId().getChars(0, 16, chars, SPAN_ID_OFFSET);
    chars[FLAGS_OFFSET - 1] = '-';
    sc.getTraceFlags().asHex().getChars(0, 2, chars, FLAGS_OFFSET);
    setter.set(carrier, TRACEPARENT, new String(chars));
    TraceState state = sc.getTraceState();
    if (state.isEmpty()) return;
    String header;
    if (state instanceof W3CTraceState) {
      header = ((W3CTraceState) state).header();
    } else {
      StringBuilder b = new StringBuilder(64);
      state.forEach((k, v) -> {
        if (b.length() > 0) b.append(',');
        b.append(k).append('=').append(v);
      });
      header = b.toString();
    }
    setter.set(carrier, TRACESTATE, header);
  }

  @Override
  public <C> Context extract(Context context, C carrier, TextMapGetter<C> getter) {
    if (context == null) context = Context.root();
    if (getter == null) return context;
    SpanContext remote = extractSpanContext(carrier, getter);
    return remote == null ? context : context.with(Span.wrap(remote));
  }

  /** The remote span context in {@code carrier}, or {@code null} when it has no valid one. */
  private static <C> SpanContext extractSpanContext(C carrier, TextMapGetter<C> getter) {
    Iterator<String> parents = getter.getAll(carrier, TRACEPARENT);
    if (parents == null || !parents.hasNext()) return null;
    String traceparent = parents.next();
    if (parents.hasNext()) return null; // two traceparent lines: which one? neither
    SpanContext parsed = parseTraceparent(traceparent);
    if (parsed == null) return null;
    Iterator<String> states = getter.getAll(carrier, TRACESTATE);
    if (states == null || !states.hasNext()) return parsed;
    W3CTraceState state = W3CTraceState.parse(states);
    if (state.isEmpty()) return parsed;
    return SpanContext.createFromRemoteParent(parsed.getTraceId(), parsed.getSpanId(), parsed.getTraceFlags(), state);
  }

  /**
   * Parses a {@code traceparent} value (spaces and tabs around it ignored), or returns {@code
   * null}: version {@code ff}, a non-hex or upper-case digit, an all-zero trace-id or parent-id,
   * a wrong length, or version {@code 00} with anything after the flags. A higher version is
   * read as {@code 00} when its first 55 characters fit and are followed by {@code -} or
   * nothing.
   */
  static SpanContext parseTraceparent(String value) {
    if (value == null) return null;
    int from = 0;
    int to = value.length();
    while (from < to && isOws(value.charAt(from))) from++;
    while (to > from && isOws(value.charAt(to - 1))) to--;
    int n = to - from;
    if (n < LENGTH) return null;
    int version = hexByte(value, from);
    if (version < 0 || version == 0xff) return null;
    if (version == 0 ? n != LENGTH : (n > LENGTH && value.charAt(from + LENGTH) != '-')) return null;
    if (value.charAt(from + 2) != '-' || value.charAt(from + SPAN_ID_OFFSET - 1) != '-'
        || value.charAt(from + FLAGS_OFFSET - 1) != '-') {
      return null;
    }
    if (!isLowerHex(value, from + TRACE_ID_OFFSET, 32) || !isLowerHex(value, from + SPAN_ID_OFFSET, 16)) return null;
    int flags = hexByte(value, from + FLAGS_OFFSET);
    if (flags < 0) return null;
    String traceId = value.substring(from + TRACE_ID_OFFSET, from + TRACE_ID_OFFSET + 32);
    String spanId = value.substring(from + SPAN_ID_OFFSET, from + SPAN_ID_OFFSET + 16);
    SpanContext sc = SpanContext.createFromRemoteParent(traceId, spanId,
        TraceFlags.fromByte((byte) (flags & KNOWN_FLAGS)), TraceState.getDefault());
    return sc.isValid() ? sc : null; // all-zero ids are invalid
  }

  private static boolean isLowerHex(String s, int from, int n) {
    for (int i = from; i < from + n; i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
  }

  /** Two lower-case hex digits at {@code i} as 0..255, or -1. */
  private static int hexByte(String s, int i) {
    int hi = hexDigit(s.charAt(i));
    int lo = hexDigit(s.charAt(i + 1));
    return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
  }

  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  }

  private static boolean isOws(char c) {
    return c == ' ' || c == '\t';
  }

  @Override
  public String toString() {
    return "TraceContextPropagator{W3C Trace Context Level 2}";
  }
}
