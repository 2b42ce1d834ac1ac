package io.meshwork.core.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The gRPC methods a service's registry entry declares idempotent, so that callers may retry
 * them after a request may have reached a server ({@link RetryPolicy#idempotentMethods()}).
 *
 * <p>Each entry is a gRPC full method name, {@code package.Service/Method} (as {@code
 * MethodDescriptor.getFullMethodName()} gives it, e.g. {@code greeter.Greeter/SayHello}), or a
 * whole service, {@code package.Service/*}. An entry holds exactly one {@code /}, no whitespace
 * or control characters, a service part without {@code *}, a method part that is {@code *} or
 * a name without {@code *}, and at most {@value #MAX_LENGTH} characters. Duplicates are merged;
 * order does not matter ({@link #equals} compares the sets).
 *
 * <p>{@link #contains} answers without allocating: exact names sit in a hash set (a method
 * descriptor's name caches its hash), services in a small array of {@code "package.Service/"}
 * prefixes.
 *
 * <p>Immutable and thread-safe.
 */
public final class IdempotentMethods {
  /** The longest entry accepted. */
  public static final int MAX_LENGTH = 300;

  /** No method: only the proto's {@code idempotency_level} and the caller decide. */
  public static final IdempotentMethods NONE = new IdempotentMethods(Set.of());

  private static final String FIELD = "retries.idempotentMethods";
  private static final String EXPECTED =
      "a gRPC method such as greeter.Greeter/SayHello, or greeter.Greeter/* for all of a service's methods";

  private final Set<String> names;
  private final Set<String> exact;
  /** {@code "package.Service/"} for every {@code package.Service/*} entry. */
  private final String[] servicePrefixes;

  private IdempotentMethods(Set<String> names) {
    this.names = names;
    Set<String> exactNames = new HashSet<>();
    List<String> prefixes = new ArrayList<>();
    for (String n : names) {
      if (n.endsWith("/*")) {
        prefixes.add(n.substring(0, n.length() - 1));
      } else {
        exactNames.add(n);
      }
    }
    this.exact = Set.copyOf(exactNames);
    this.servicePrefixes = prefixes.toArray(new String[0]);
  }

  /**
   * The methods named by {@code entries}.
   *
   * @throws IllegalArgumentException naming the first entry that is not a method or service as
   *     described above, {@code retries.idempotentMethods: 'x' (expected: ...)}
   */
  public static IdempotentMethods of(Collection<String> entries) {
    if (entries == null || entries.isEmpty()) {
      return NONE;
    }
    Set<String> checked = new HashSet<>();
    for (String e : entries) {
      checked.add(check(e));
    }
    return new IdempotentMethods(Set.copyOf(checked));
  }

  /** The methods named by {@code entries}; see {@link #of(Collection)}. */
  public static IdempotentMethods of(String... entries) {
    return of(List.of(entries));
  }

  /**
   * {@code entry} when it is a gRPC full method name {@code package.Service/Method} or a service
   * {@code package.Service/*}.
   *
   * @throws IllegalArgumentException {@code retries.idempotentMethods: 'x' (expected: ...)}
   *     saying what is wrong
   */
  public static String check(String entry) {
    if (entry == null) {
      throw new IllegalArgumentException(FIELD + ": null (expected: " + EXPECTED + ")");
    }
    if (entry.isBlank()) {
      throw problem(entry, "");
    }
    if (entry.length() > MAX_LENGTH) {
      throw problem(entry, ", at most " + MAX_LENGTH + " characters, not " + entry.length());
    }
    if (entry.codePoints().anyMatch(cp -> Character.isWhitespace(cp) || Character.isSpaceChar(cp)
        || Character.isISOControl(cp))) {
      throw problem(entry, ", without whitespace or control characters");
    }
    int slash = entry.indexOf('/');
    if (slash < 0 || slash != entry.lastIndexOf('/')) {
      throw problem(entry, ", with exactly one '/' between service and method");
    }
    String service = entry.substring(0, slash);
    String method = entry.substring(slash + 1);
    if (service.isEmpty() || method.isEmpty()) {
      throw problem(entry, ", with a service before the '/' and a method or * after it");
    }
    if (service.indexOf('*') >= 0 || (!method.equals("*") && method.indexOf('*') >= 0)) {
      throw problem(entry, ", where * stands alone for a whole service's methods");
    }
    return entry;
  }

  private static IllegalArgumentException problem(String entry, String detail) {
    return new IllegalArgumentException(FIELD + ": " + Check.quote(entry) + " (expected: " + EXPECTED + detail + ")");
  }

  /**
   * Whether {@code fullMethodName} ({@code package.Service/Method}) is listed by name or by its
   * service's {@code package.Service/*}. Allocation-free; {@code false} for null.
   */
  public boolean contains(String fullMethodName) {
    if (fullMethodName == null) {
      return false;
    }
    if (exact.contains(fullMethodName)) {
      return true;
    }
    for (String prefix : servicePrefixes) {
      int n = prefix.length();
      if (fullMethodName.length() > n && fullMethodName.startsWith(prefix)
          && fullMethodName.indexOf('/', n) < 0) {
        return true;
      }
    }
    return false;
  }

  /** The entries as written (methods and {@code Service/*}), unordered; unmodifiable. */
  public Set<String> names() {
    return names;
  }

  /** Whether no method is listed. */
  public boolean isEmpty() {
    return names.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IdempotentMethods other && names.equals(other.names);
  }

  @Override
  public int hashCode() {
    return names.hashCode();
  }

  /** The entries in sorted order, e.g. {@code [greeter.Greeter/*, other.Svc/Get]}. */
  @Override
  public String toString() {
    return new java.util.TreeSet<>(names).toString();
  }
}
