package io.meshwork.core.wire;

/**
 * Redacts the values of the query parameters that carry request signatures and access keys,
 * before a URL's query goes into telemetry ({@code url.full} on client spans, {@code url.query}
 * on server spans), as the OpenTelemetry HTTP conventions ask by default: {@code
 * AWSAccessKeyId}, {@code Signature}, {@code sig} and {@code X-Goog-Signature} (AWS, Azure and
 * Google Cloud signed URLs). Names match exactly, as written in the query; every other part of
 * the query is kept byte for byte, in order.
 *
 * @see <a href="https://opentelemetry.io/docs/specs/semconv/attributes-registry/url/">URL attributes</a>
 */
public final class QueryRedaction {
  /** What replaces a redacted value (and, in {@code url.full}, credentials). */
  public static final String REDACTED = "REDACTED";

  private static final String[] SENSITIVE = {"AWSAccessKeyId", "Signature", "sig", "X-Goog-Signature"};

  private QueryRedaction() {}

  /**
   * {@code query} (without the {@code ?}, encoded as sent) with sensitive values replaced by
   * {@link #REDACTED}; the same instance when there is nothing to redact, and {@code null} for
   * {@code null}.
   */
  public static String redact(String query) {
    if (query == null || query.isEmpty()) return query;
    StringBuilder out = null;
    int start = 0;
    while (start <= query.length()) {
      int end = query.indexOf('&', start);
      if (end < 0) end = query.length();
      int eq = query.indexOf('=', start);
      if (eq >= 0 && eq < end && isSensitive(query, start, eq)) {
        if (out == null) out = new StringBuilder(query.length()).append(query, 0, start);
        out.append(query, start, eq + 1).append(REDACTED);
      } else if (out != null) {
        out.append(query, start, end);
      }
      if (end == query.length()) break;
      if (out != null) out.append('&');
      start = end + 1;
    }
    return out == null ? query : out.toString();
  }

  private static boolean isSensitive(String query, int from, int to) {
    for (String name : SENSITIVE) {
      if (name.length() == to - from && query.startsWith(name, from)) return true;
    }
    return false;
  }
}
