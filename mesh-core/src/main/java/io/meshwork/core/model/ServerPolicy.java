package io.meshwork.core.model;

import java.util.List;

/**
 * How a service accepts calls.
 *
 * @param allow callers allowed: service names or SPIFFE IDs, or {@code "*"} for any caller
 *     (the default when the document says nothing)
 */
public record ServerPolicy(List<String> allow) {
  public static final String ANY = "*";
  public static final ServerPolicy DEFAULT = new ServerPolicy(List.of(ANY));

  public ServerPolicy {
    allow = List.copyOf(Check.notNull("allow", allow));
    for (String a : allow) {
      Check.nonBlank("allow", a);
    }
  }

  /** Whether any caller is allowed. */
  public boolean allowsAnyone() {
    return allow.contains(ANY);
  }
}
