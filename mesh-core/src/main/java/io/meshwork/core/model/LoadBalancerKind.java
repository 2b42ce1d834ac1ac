package io.meshwork.core.model;

import java.util.Locale;

/** Load-balancing algorithms a client policy can choose. */
public enum LoadBalancerKind {
  /** Power of two choices by peak-EWMA latency times outstanding requests (the default). */
  PEAK_EWMA,
  /** Power of two choices by outstanding requests. */
  LEAST_REQUEST,
  /** Weighted round robin. */
  ROUND_ROBIN,
  /** Consistent hashing on a request header (see {@link ClientPolicy#hashHeader()}). */
  RING_HASH;

  /** The name as written in the registry document, e.g. {@code peak-ewma}. */
  public String documentName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Parses a document name such as {@code round-robin}. */
  public static LoadBalancerKind fromDocumentName(String name) {
    for (LoadBalancerKind k : values()) {
      if (k.documentName().equals(name)) return k;
    }
    throw new IllegalArgumentException(
        "'" + name + "' (expected: peak-ewma, least-request, round-robin or ring-hash)");
  }
}
