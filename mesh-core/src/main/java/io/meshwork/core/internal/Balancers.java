package io.meshwork.core.internal;

import io.meshwork.core.model.LoadBalancerKind;
import java.util.Arrays;

/** Makes the balancer for a {@link LoadBalancerKind}, and holds the pick steps they share. */
public final class Balancers {
  private Balancers() {}

  /**
   * A new balancer of {@code kind}. Call once per destination and keep it: round robin holds a
   * counter, and the others are cheap enough that sharing buys nothing.
   */
  public static LoadBalancer forKind(LoadBalancerKind kind) {
    return switch (kind) {
      case PEAK_EWMA -> new PeakEwmaBalancer();
      case LEAST_REQUEST -> new LeastRequestBalancer();
      case ROUND_ROBIN -> new RoundRobinBalancer();
      case RING_HASH -> new RingHashBalancer();
    };
  }

  /**
   * The first endpoint from {@code start} onward (wrapping) that is usable and not avoided; else
   * the first usable one; else null. The balancers' last resort when their own choice keeps
   * landing on endpoints the call cannot use. O(size), allocates nothing.
   */
  static EndpointState anyUsable(Subset subset, PickContext ctx, int start) {
    int n = subset.size();
    EndpointState avoided = null;
    for (int i = 0; i < n; i++) {
      int index = start + i < n ? start + i : start + i - n;
      EndpointState e = subset.get(index);
      if (ctx.usable(e)) {
        if (!ctx.avoid(index)) {
          return e;
        }
        if (avoided == null) {
          avoided = e;
        }
      }
    }
    return avoided;
  }

  /**
   * Whether some endpoint other than {@code except} is usable and not avoided. O(size).
   */
  static boolean anyOtherPreferred(Subset subset, PickContext ctx, int except) {
    for (int i = 0; i < subset.size(); i++) {
      if (i != except && !ctx.avoid(i) && ctx.usable(subset.get(i))) {
        return true;
      }
    }
    return false;
  }

  /** The index owning weight slot {@code slot} (0 to totalWeight - 1) of a weighted subset. */
  static int indexOfWeightSlot(Subset subset, int slot) {
    int i = Arrays.binarySearch(subset.cumulative, slot + 1);
    return i >= 0 ? i : -i - 1;
  }
}
