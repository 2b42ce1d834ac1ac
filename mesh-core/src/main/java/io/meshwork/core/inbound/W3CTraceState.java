package io.meshwork.core.inbound;

import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.TraceStateBuilder;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A {@code tracestate} list as the W3C Trace Context specification defines it, with the
 * current key grammar: {@code key = ( lcalpha / DIGIT ) 0*255 ( keychar )}, {@code keychar =
 * lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"}. OpenTelemetry's own {@code TraceState} keeps
 * the older multi-tenant grammar (at most one {@code @}, a tenant of at most 241 and a system of
 * at most 14 characters, no leading digit otherwise) and silently drops keys the specification
 * now allows, such as {@code foo@@bar}, {@code 1vendor} or a 15-character system id; this one
 * keeps them. Every tracer, exporter and propagator sees it through the {@link TraceState}
 * interface.
 *
 * <p>Immutable; entries in list order, leftmost first, each key once.
 *
 * @see <a href="https://www.w3.org/TR/trace-context-2/#tracestate-header">W3C Trace Context, tracestate</a>
 */
final class W3CTraceState implements TraceState {
  /** At most 32 list-members. */
  static final int MAX_MEMBERS = 32;
  /** Keys and values are at most 256 characters. */
  static final int MAX_KEY_LENGTH = 256;
  static final int MAX_VALUE_LENGTH = 256;

  static final W3CTraceState EMPTY = new W3CTraceState(new String[0]);

  /** key0, value0, key1, value1, ... in list order. */
  private final String[] entries;

  private W3CTraceState(String[] entries) {
    this.entries = entries;
  }

  /**
   * Parses the values of every {@code tracestate} header line of a request, combined in order
   * as RFC 9110 section 5.3 says (joined by commas). Spaces and tabs around list-members and
   * empty list-members are ignored. When a key repeats, its first (leftmost) entry is kept and
   * later ones dropped, which the specification allows ("Vendors MAY also discard duplicate
   * keys") and the W3C test suite expects.
   *
   * <p>A list that breaks the grammar anywhere (a bad key or value, a member without {@code =},
   * more than 32 members) is discarded as a whole, so the result is then {@link #EMPTY}; the
   * caller keeps the {@code traceparent}. Never throws. Cost: one pass over the characters, one
   * array and one string per key and value.
   */
  static W3CTraceState parse(Iterator<String> lines) {
    String[] found = new String[8];
    int n = 0;
    int members = 0;
    while (lines.hasNext()) {
      String line = lines.next();
      if (line == null) continue;
      int len = line.length();
      int i = 0;
      while (i <= len) {
        int comma = line.indexOf(',', i);
        int end = comma < 0 ? len : comma;
        int from = i;
        int to = end;
        while (from < to && isOws(line.charAt(from))) from++;
        while (to > from && isOws(line.charAt(to - 1))) to--;
        if (from < to) {
          if (++members > MAX_MEMBERS) return EMPTY;
          int eq = line.indexOf('=', from);
          if (eq < 0 || eq >= to) return EMPTY;
          if (!isValidKey(line, from, eq) || !isValidValue(line, eq + 1, to)) return EMPTY;
          String key = line.substring(from, eq);
          if (indexOf(found, n, key) < 0) {
            if (n + 2 > found.length) found = Arrays.copyOf(found, found.length * 2);
            found[n++] = key;
            found[n++] = line.substring(eq + 1, to);
          }
        }
        i = end + 1;
      }
    }
    return n == 0 ? EMPTY : new W3CTraceState(Arrays.copyOf(found, n));
  }

  /** Whether {@code s[from, to)} is a key: lcalpha or DIGIT, then up to 255 keychars. */
  static boolean isValidKey(CharSequence s, int from, int to) {
    int n = to - from;
    if (n < 1 || n > MAX_KEY_LENGTH) return false;
    char first = s.charAt(from);
    if (!isLcAlphaOrDigit(first)) return false;
    for (int i = from + 1; i < to; i++) {
      char c = s.charAt(i);
      if (!isLcAlphaOrDigit(c) && c != '_' && c != '-' && c != '*' && c != '/' && c != '@') return false;
    }
    return true;
  }

  /**
   * Whether {@code s[from, to)} is a value: 1 to 256 characters of 0x20 to 0x7E except {@code ,}
   * and {@code =}, the last not a space.
   */
  static boolean isValidValue(CharSequence s, int from, int to) {
    int n = to - from;
    if (n < 1 || n > MAX_VALUE_LENGTH) return false;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7E || c == ',' || c == '=') return false;
    }
    return s.charAt(to - 1) != ' ';
  }

  /** The list as a {@code tracestate} header value: {@code k1=v1,k2=v2}, or "" when empty. */
  String header() {
    if (entries.length == 0) return "";
    StringBuilder b = new StringBuilder(64);
    for (int i = 0; i < entries.length; i += 2) {
      if (i > 0) b.append(',');
      b.append(entries[i]).append('=').append(entries[i + 1]);
    }
    return b.toString();
  }

  @Override
  public String get(String key) {
    if (key == null) return null;
    int i = indexOf(entries, entries.length, key);
    return i < 0 ? null : entries[i + 1];
  }

  @Override
  public int size() {
    return entries.length / 2;
  }

  @Override
  public boolean isEmpty() {
    return entries.length == 0;
  }

  @Override
  public void forEach(BiConsumer<String, String> consumer) {
    for (int i = 0; i < entries.length; i += 2) {
      consumer.accept(entries[i], entries[i + 1]);
    }
  }

  @Override
  public Map<String, String> asMap() {
    Map<String, String> m = new LinkedHashMap<>();
    forEach(m::put);
    return Collections.unmodifiableMap(m);
  }

  @Override
  public TraceStateBuilder toBuilder() {
    return new Builder(entries);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof W3CTraceState && Arrays.equals(entries, ((W3CTraceState) o).entries);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(entries);
  }

  @Override
  public String toString() {
    return "W3CTraceState{" + header() + "}";
  }

  private static int indexOf(String[] entries, int n, String key) {
    for (int i = 0; i < n; i += 2) {
      if (entries[i].equals(key)) return i;
    }
    return -1;
  }

  private static boolean isLcAlphaOrDigit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  }

  private static boolean isOws(char c) {
    return c == ' ' || c == '\t';
  }

  /**
   * Mutates a list the way the specification allows: {@link #put} adds or updates a key and
   * moves it to the front (left), dropping the rightmost member past 32; {@link #remove}
   * deletes one. An invalid key or value is ignored, as OpenTelemetry's builder does.
   */
  private static final class Builder implements TraceStateBuilder {
    private String[] entries;
    private int n;

    Builder(String[] entries) {
      this.entries = Arrays.copyOf(entries, Math.max(entries.length, 8));
      this.n = entries.length;
    }

    @Override
    public TraceStateBuilder put(String key, String value) {
      if (key == null || value == null || !isValidKey(key, 0, key.length())
          || !isValidValue(value, 0, value.length())) {
        return this;
      }
      remove(key);
      if (n == MAX_MEMBERS * 2) n -= 2; // the rightmost member makes room
      if (n + 2 > entries.length) entries = Arrays.copyOf(entries, entries.length * 2);
      System.arraycopy(entries, 0, entries, 2, n);
      entries[0] = key;
      entries[1] = value;
      n += 2;
      return this;
    }

    @Override
    public TraceStateBuilder remove(String key) {
      if (key == null) return this;
      int i = indexOf(entries, n, key);
      if (i >= 0) {
        System.arraycopy(entries, i + 2, entries, i, n - i - 2);
        n -= 2;
        entries[n] = null;
        entries[n + 1] = null;
      }
      return this;
    }

    @Override
    public TraceState build() {
      return n == 0 ? EMPTY : new W3CTraceState(Arrays.copyOf(entries, n));
    }
  }
}
