package io.meshwork.tls;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * A SPIFFE ID, {@code spiffe://<trust domain>/<path>}, the identity a workload proves with its
 * X.509 certificate. Mesh services are {@code spiffe://<trust domain>/service/<name>} ({@link
 * #forService}).
 *
 * <p>Parsing follows the <a href="https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE-ID.md">
 * SPIFFE ID specification</a>, section 2: the scheme is exactly {@code spiffe}; the trust domain
 * is 1 to 255 of {@code [a-z0-9._-]} (lower case only; no port, user info, query or fragment);
 * the path is empty or {@code /}-separated segments of {@code [A-Za-z0-9._-]}, none empty,
 * {@code .} or {@code ..}, with no trailing slash; no percent-encoding; 2048 bytes at most.
 *
 * <p>Immutable; equal when their strings are equal. Parsing is a single scan with no regular
 * expression, and {@link #toString()} returns the string it was parsed from, so the ID can key
 * maps on the request path.
 */
public final class SpiffeId {
  /** The URI scheme of SPIFFE IDs, with its separator. */
  public static final String PREFIX = "spiffe://";
  /** The path prefix of mesh service identities. */
  public static final String SERVICE_PATH = "/service/";

  static final int MAX_LENGTH = 2048;
  static final int MAX_TRUST_DOMAIN_LENGTH = 255;
  private static final String FORM = "spiffe://<trust domain>[/<path>], e.g. spiffe://example.org/service/greeter";

  private final String id;
  private final String trustDomain;
  private final String path;

  private SpiffeId(String id, String trustDomain, String path) {
    this.id = id;
    this.trustDomain = trustDomain;
    this.path = path;
  }

  /**
   * Parses {@code id}.
   *
   * @throws IllegalArgumentException naming the value and what is wrong with it
   */
  public static SpiffeId parse(String id) {
    String problem = problem(id);
    if (problem != null) {
      throw new IllegalArgumentException("spiffe id: '" + id + "' (expected: " + FORM + "; " + problem + ")");
    }
    int slash = id.indexOf('/', PREFIX.length());
    return slash < 0
        ? new SpiffeId(id, id.substring(PREFIX.length()), "")
        : new SpiffeId(id, id.substring(PREFIX.length(), slash), id.substring(slash));
  }

  /** {@code id} parsed, or empty when it is not a valid SPIFFE ID. Never throws. */
  public static Optional<SpiffeId> tryParse(String id) {
    return problem(id) == null ? Optional.of(parse(id)) : Optional.empty();
  }

  /** The identity of a mesh service: {@code spiffe://<trustDomain>/service/<name>}. */
  public static SpiffeId forService(String trustDomain, String serviceName) {
    Objects.requireNonNull(trustDomain, "trustDomain");
    Objects.requireNonNull(serviceName, "serviceName");
    String tdProblem = trustDomainProblem(trustDomain, 0, trustDomain.length());
    if (tdProblem != null) {
      throw new IllegalArgumentException("trust domain: '" + trustDomain + "' (expected: 1 to 255 of [a-z0-9._-]; "
          + tdProblem + ")");
    }
    String nameProblem = serviceName.indexOf('/') >= 0
        ? "a service name is one path segment" : segmentProblem(serviceName, 0, serviceName.length());
    if (nameProblem != null) {
      throw new IllegalArgumentException("service name: '" + serviceName
          + "' (expected: one SPIFFE path segment of [A-Za-z0-9._-]; " + nameProblem + ")");
    }
    return parse(PREFIX + trustDomain + SERVICE_PATH + serviceName);
  }

  /** The trust domain, e.g. {@code example.org}. */
  public String trustDomain() {
    return trustDomain;
  }

  /** The path, empty or starting with {@code /}, e.g. {@code /service/greeter}. */
  public String path() {
    return path;
  }

  /** The service name when the path is {@code /service/<name>}, else empty. */
  public Optional<String> serviceName() {
    if (path.startsWith(SERVICE_PATH) && path.indexOf('/', SERVICE_PATH.length()) < 0
        && path.length() > SERVICE_PATH.length()) {
      return Optional.of(path.substring(SERVICE_PATH.length()));
    }
    return Optional.empty();
  }

  /** Whether this is the identity of service {@code name} in {@code trustDomain}. */
  public boolean isService(String trustDomain, String name) {
    return this.trustDomain.equals(trustDomain) && name.indexOf('/') < 0
        && path.length() == SERVICE_PATH.length() + name.length()
        && path.startsWith(SERVICE_PATH) && path.endsWith(name);
  }

  /** Whether this ID belongs to {@code trustDomain}. */
  public boolean isMemberOf(String trustDomain) {
    return this.trustDomain.equals(trustDomain);
  }

  /** This ID as a URI. */
  public URI toUri() {
    return URI.create(id);
  }

  /** The ID as written: {@code spiffe://example.org/service/greeter}. */
  @Override
  public String toString() {
    return id;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SpiffeId && ((SpiffeId) o).id.equals(id);
  }

  @Override
  public int hashCode() {
    return id.hashCode();
  }

  /** What makes {@code id} invalid, or {@code null} when it is a valid SPIFFE ID. */
  static String problem(String id) {
    if (id == null) return "null";
    if (id.isEmpty()) return "empty";
    if (id.length() > MAX_LENGTH) return "longer than " + MAX_LENGTH + " characters";
    if (!id.startsWith(PREFIX)) {
      return id.regionMatches(true, 0, PREFIX, 0, PREFIX.length())
          ? "the scheme must be lower-case 'spiffe'" : "the scheme must be 'spiffe://'";
    }
    int start = PREFIX.length();
    int slash = id.indexOf('/', start);
    int tdEnd = slash < 0 ? id.length() : slash;
    String td = trustDomainProblem(id, start, tdEnd);
    if (td != null) return td;
    if (slash < 0) return null;
    // Path: one or more "/segment".
    int i = slash;
    while (i < id.length()) {
      int next = id.indexOf('/', i + 1);
      int end = next < 0 ? id.length() : next;
      if (end == i + 1) {
        return end == id.length() ? "the path must not end with '/'" : "the path has an empty segment";
      }
      String seg = segmentProblem(id, i + 1, end);
      if (seg != null) return seg;
      i = end;
    }
    return null;
  }

  private static String trustDomainProblem(String s, int from, int to) {
    if (to == from) return "the trust domain is missing";
    if (to - from > MAX_TRUST_DOMAIN_LENGTH) {
      return "the trust domain is longer than " + MAX_TRUST_DOMAIN_LENGTH + " characters";
    }
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')) {
        if (c >= 'A' && c <= 'Z') return "the trust domain must be lower case";
        if (c == ':') return "the trust domain must not have a port";
        if (c == '@') return "the trust domain must not have user info";
        if (c == '?' || c == '#') return "a SPIFFE ID has no query or fragment";
        if (c == '%') return "percent-encoding is not allowed";
        return "the trust domain has the character '" + c + "' (allowed: a-z 0-9 . - _)";
      }
    }
    return null;
  }

  private static String segmentProblem(String s, int from, int to) {
    if (to == from) return "the path has an empty segment";
    if ((to - from == 1 && s.charAt(from) == '.') || (to - from == 2 && s.startsWith("..", from))) {
      return "the path must not have '.' or '..' segments";
    }
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '-' || c == '_')) {
        if (c == '?' || c == '#') return "a SPIFFE ID has no query or fragment";
        if (c == '%') return "percent-encoding is not allowed";
        return "the path has the character '" + c + "' (allowed: A-Z a-z 0-9 . - _)";
      }
    }
    return null;
  }
}
