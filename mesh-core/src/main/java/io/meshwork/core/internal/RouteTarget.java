package io.meshwork.core.internal;

/**
 * Where a routed call may go: the endpoints a route leg selects, their part in the caller's
 * zone, and the meters of the route. Immutable; built with the snapshot.
 */
final class RouteTarget {
  final String routeName;
  final String selector;
  final Subset all;
  /** The part of {@link #all} in the caller's zone; null when zone preference does not apply. */
  final Subset local;
  final RouteMeters meters;
  /** The plan this target belongs to; set once, before the plan is published. */
  Plan plan;

  RouteTarget(String routeName, String selector, Subset all, Subset local, RouteMeters meters) {
    this.routeName = routeName;
    this.selector = selector;
    this.all = all;
    this.local = local;
    this.meters = meters;
  }
}
