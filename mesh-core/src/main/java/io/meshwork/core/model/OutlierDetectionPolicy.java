package io.meshwork.core.model;

import io.meshwork.core.internal.Durations;
import java.time.Duration;

/**
 * Per-endpoint health from observed failures: an endpoint that fails
 * {@code consecutiveFailures} calls in a row is ejected (gets no traffic) for
 * {@code baseEjection} times the number of its ejections in a row, at most
 * {@code maxEjection}. At most {@code maxEjectedPercent} of the endpoints are ejected at once;
 * when fewer than {@code panicThresholdPercent} are healthy, all endpoints are used (panic mode)
 * rather than overloading the few that are left.
 *
 * @param enabled whether outlier detection runs, default true
 * @param consecutiveFailures failures in a row that eject, 1 to 1000, default 5
 * @param baseEjection first ejection time, default 30s
 * @param maxEjection longest ejection time, default 5m
 * @param maxEjectedPercent largest share ejected at once, 0 to 100, default 50
 * @param panicThresholdPercent healthy share below which all endpoints are used, 0 to 100,
 *     default 50
 */
public record OutlierDetectionPolicy(
    boolean enabled,
    int consecutiveFailures,
    Duration baseEjection,
    Duration maxEjection,
    int maxEjectedPercent,
    int panicThresholdPercent) {

  public static final OutlierDetectionPolicy DEFAULT = new OutlierDetectionPolicy(
      true,
      Defaults.OUTLIER_CONSECUTIVE_FAILURES,
      Defaults.OUTLIER_BASE_EJECTION,
      Defaults.OUTLIER_MAX_EJECTION,
      Defaults.OUTLIER_MAX_EJECTED_PERCENT,
      Defaults.OUTLIER_PANIC_THRESHOLD_PERCENT);

  /** No outlier detection: no endpoint is ever ejected. */
  public static final OutlierDetectionPolicy DISABLED = DEFAULT.withEnabled(false);

  public OutlierDetectionPolicy {
    Check.range("outlierDetection.consecutiveFailures", consecutiveFailures, 1, 1000);
    Check.positive("outlierDetection.baseEjection", baseEjection);
    Check.positive("outlierDetection.maxEjection", maxEjection);
    if (maxEjection.compareTo(baseEjection) < 0) {
      throw new IllegalArgumentException("outlierDetection.maxEjection: " + Durations.format(maxEjection)
          + " (expected: at least baseEjection, " + Durations.format(baseEjection) + ")");
    }
    Check.range("outlierDetection.maxEjectedPercent", maxEjectedPercent, 0, 100);
    Check.range("outlierDetection.panicThreshold", panicThresholdPercent, 0, 100);
  }

  /** This policy, switched on or off. */
  public OutlierDetectionPolicy withEnabled(boolean on) {
    return new OutlierDetectionPolicy(on, consecutiveFailures, baseEjection, maxEjection, maxEjectedPercent,
        panicThresholdPercent);
  }
}
