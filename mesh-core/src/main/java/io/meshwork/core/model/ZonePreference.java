package io.meshwork.core.model;

/**
 * Keeps calls in the caller's zone while that zone has enough healthy endpoints: at least
 * {@code minHealthyPercent} of its endpoints healthy (and at least one). Otherwise calls
 * spread over all zones.
 *
 * @param enabled default true
 * @param minHealthyPercent 1 to 100, default 70
 */
public record ZonePreference(boolean enabled, int minHealthyPercent) {
  public static final ZonePreference DEFAULT =
      new ZonePreference(Defaults.ZONE_PREFERENCE, Defaults.ZONE_MIN_HEALTHY_PERCENT);

  public ZonePreference {
    Check.range("zonePreference.minHealthyPercent", minHealthyPercent, 1, 100);
  }
}
