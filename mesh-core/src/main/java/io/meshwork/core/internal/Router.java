package io.meshwork.core.internal;

import io.meshwork.core.MeshRequest;
import io.meshwork.core.model.Route;
import io.meshwork.core.model.WeightedTarget;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.random.RandomGenerator;

/**
 * Chooses a call's {@link RouteTarget}: the first route whose header matches all hold, then a
 * weighted draw among that route's legs; a call no route matches goes to every endpoint on the
 * {@code default} route. Immutable, built per snapshot; selection allocates nothing.
 */
final class Router {
  static final String DEFAULT_ROUTE = "default";

  private final CompiledRoute[] routes;
  private final RouteTarget fallback;

  Router(List<Route> routes, RouteTarget fallback, BiFunction<String, Map<String, String>, RouteTarget> targets) {
    this.routes = new CompiledRoute[routes.size()];
    for (int i = 0; i < routes.size(); i++) {
      this.routes[i] = new CompiledRoute(routes.get(i), targets);
    }
    this.fallback = fallback;
  }

  /** Every target this router can choose (for warming per-subset structures). */
  java.util.List<RouteTarget> targets() {
    java.util.List<RouteTarget> all = new java.util.ArrayList<>();
    all.add(fallback);
    for (CompiledRoute r : routes) all.addAll(java.util.List.of(r.targets));
    return all;
  }

  /** The target of calls that no route matches. */
  RouteTarget fallback() {
    return fallback;
  }

  RouteTarget select(MeshRequest request, java.util.function.Supplier<RandomGenerator> random) {
    for (CompiledRoute r : routes) {
      if (r.matches(request)) {
        return r.targets.length == 1 ? r.targets[0] : r.pick(random.get());
      }
    }
    return fallback;
  }

  private static final class CompiledRoute {
    final String[] names;
    final String[] values;
    final RouteTarget[] targets;
    final int[] cumulative;
    final int total;

    CompiledRoute(Route route, BiFunction<String, Map<String, String>, RouteTarget> targets) {
      Map<String, String> match = route.matchHeaders();
      names = match.keySet().toArray(new String[0]);
      values = new String[names.length];
      for (int i = 0; i < names.length; i++) values[i] = match.get(names[i]);
      List<WeightedTarget> split = route.split().stream().filter(t -> t.weight() > 0).toList();
      this.targets = new RouteTarget[split.size()];
      this.cumulative = new int[split.size()];
      int sum = 0;
      for (int i = 0; i < split.size(); i++) {
        this.targets[i] = targets.apply(route.name(), split.get(i).to());
        sum += split.get(i).weight();
        cumulative[i] = sum;
      }
      this.total = sum;
    }

    boolean matches(MeshRequest request) {
      for (int i = 0; i < names.length; i++) {
        if (!values[i].equals(request.header(names[i]))) return false;
      }
      return true;
    }

    RouteTarget pick(RandomGenerator random) {
      if (targets.length == 1) return targets[0];
      int r = random.nextInt(total);
      for (int i = 0; i < cumulative.length; i++) {
        if (r < cumulative[i]) return targets[i];
      }
      return targets[targets.length - 1];
    }
  }
}
