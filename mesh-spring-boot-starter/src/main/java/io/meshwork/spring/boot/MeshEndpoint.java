package io.meshwork.spring.boot;

import io.meshwork.core.Destination;
import io.meshwork.core.EndpointStatus;
import io.meshwork.core.Mesh;
import io.meshwork.core.WorkloadIdentity;
import io.meshwork.core.model.ClientPolicy;

import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.RetryBudgetPolicy;
import io.meshwork.core.model.Route;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.model.WeightedTarget;
import io.meshwork.core.registry.ConfigProblem;
import io.meshwork.core.registry.FileRegistry;
import io.meshwork.core.registry.Registry;
import io.meshwork.core.registry.ServiceSnapshot;
import io.meshwork.core.registry.Watch;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.WorkloadCertificate;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The {@code meshwork} Actuator endpoint ({@code /actuator/meshwork}): what this process's mesh
 * is and sees now. This service (name, zone, trust domain, TLS mode), the registry (kind, source,
 * version, the problems of a refused document), the identity (SPIFFE ID, certificate expiry) and
 * every destination the mesh has made, with its routes and endpoints as the load balancer and
 * outlier detection see them. Read-only; reading it makes no destination.
 *
 * <p>Everything comes from mesh-core's and mesh-tls's public API. The destinations the mesh has
 * made are found through its {@code mesh.client.inflight} gauges, one per destination, because
 * {@link Mesh} does not list them.
 */
@Endpoint(id = "meshwork")
public class MeshEndpoint {

  /** The gauge each destination registers when the mesh makes it, tagged {@code service}. */
  static final String DESTINATION_GAUGE = "mesh.client.inflight";

  private final Mesh mesh;
  private final Clock clock;

  public MeshEndpoint(Mesh mesh) {
    this(mesh, Clock.systemUTC());
  }

  MeshEndpoint(Mesh mesh, Clock clock) {
    this.mesh = Objects.requireNonNull(mesh, "mesh");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The whole view, as JSON. */
  @ReadOperation
  public MeshDescriptor mesh() {
    ServiceSnapshot own = ownSnapshot(mesh);
    Map<String, DestinationDescriptor> destinations = new LinkedHashMap<>();
    long version = own.version();
    for (String name : destinationNames(mesh)) {
      Destination d = mesh.destination(name); // made already: its gauge exists
      ServiceSnapshot s = d.snapshot();
      version = Math.max(version, s.version());
      destinations.put(name, destination(d, s));
    }
    ServiceDescriptor service = new ServiceDescriptor(mesh.serviceName(), mesh.zone(),
        own.mesh().trustDomain(), own.mesh().tls().documentName());
    return new MeshDescriptor(service, registry(mesh.registry(), version),
        identity(mesh, clock).orElse(null), destinations);
  }

  /** This service's own snapshot: the mesh settings in force and the registry's version. */
  static ServiceSnapshot ownSnapshot(Mesh mesh) {
    ServiceSnapshot[] seen = new ServiceSnapshot[1];
    try (Watch w = mesh.registry().watch(mesh.serviceName(), snapshot -> {
      if (seen[0] == null) seen[0] = snapshot;
    })) {
      if (seen[0] == null) seen[0] = w.current();
    }
    return seen[0] != null ? seen[0]
        : new ServiceSnapshot(false, MeshSettings.DEFAULT, ServiceConfig.unknown(mesh.serviceName()), 0);
  }

  /** The names of the destinations the mesh has made, sorted. */
  static List<String> destinationNames(Mesh mesh) {
    TreeSet<String> names = new TreeSet<>();
    for (Meter m : mesh.meterRegistry().find(DESTINATION_GAUGE).meters()) {
      String service = m.getId().getTag("service");
      if (service != null) names.add(service);
    }
    return List.copyOf(names);
  }

  static RegistryDescriptor registry(Registry registry, long version) {
    String kind = registry.getClass().getSimpleName();
    if (registry instanceof FileRegistry file) {
      List<ProblemDescriptor> problems = file.lastError()
          .map(e -> e.problems().stream().map(MeshEndpoint::problem).toList())
          .orElse(List.of());
      return new RegistryDescriptor(kind, file.path().toString(), version, true, problems);
    }
    return new RegistryDescriptor(kind, null, version, false, List.of());
  }

  private static ProblemDescriptor problem(ConfigProblem p) {
    return new ProblemDescriptor(p.source(), p.line(), p.column(), p.field(), p.message());
  }

  static Optional<IdentityDescriptor> identity(Mesh mesh, Clock clock) {
    Optional<WorkloadIdentity> identity = mesh.identity();
    if (identity.isEmpty()) return Optional.empty();
    Optional<MeshTls> tls = MeshTls.of(mesh);
    if (tls.isEmpty()) return Optional.of(new IdentityDescriptor(identity.get().spiffeId(), null, null));
    WorkloadCertificate certificate = tls.get().identity().current();
    Instant notAfter = certificate.notAfter();
    return Optional.of(new IdentityDescriptor(identity.get().spiffeId(), notAfter.toString(),
        Duration.between(clock.instant(), notAfter).toSeconds()));
  }

  private DestinationDescriptor destination(Destination d, ServiceSnapshot s) {
    ClientPolicy client = s.config().client();
    List<RouteDescriptor> routes = new ArrayList<>();
    for (Route r : client.routes()) {
      List<TargetDescriptor> split = new ArrayList<>();
      for (WeightedTarget t : r.split()) split.add(new TargetDescriptor(t.to(), t.weight()));
      routes.add(new RouteDescriptor(r.name(), r.matchHeaders(), split));
    }
    List<EndpointDescriptor> endpoints = new ArrayList<>();
    for (EndpointStatus e : d.endpoints()) {
      io.meshwork.core.model.Endpoint ep = e.endpoint();
      endpoints.add(new EndpointDescriptor(ep.address().toString(), ep.zone(), ep.weight(),
          ep.labels(), e.ejected(), e.ejections(), e.inFlight(), e.ewmaLatencyNanos() / 1e6,
          e.attempts(), e.failures()));
    }
    RetryBudgetPolicy budget = client.retryBudget();
    double exhausted = mesh.meterRegistry().find("mesh.client.retry.budget.exhausted")
        .tag("service", d.service()).counters().stream().mapToDouble(Counter::count).sum();
    return new DestinationDescriptor(s.known(), s.version(), s.config().protocol().documentName(),
        client.loadBalancer().documentName(), String.valueOf(client.timeout()),
        d.circuitState().name(), d.inFlight(),
        new RetryBudgetDescriptor(budget.ratio(), budget.minPerSecond(), String.valueOf(budget.ttl()),
            (long) exhausted),
        routes, endpoints);
  }

  /** The response of {@code /actuator/meshwork}. */
  public record MeshDescriptor(ServiceDescriptor service, RegistryDescriptor registry,
      IdentityDescriptor identity, Map<String, DestinationDescriptor> destinations) { }

  /**
   * This service.
   *
   * @param tlsMode the registry's mesh-wide TLS mode: {@code strict}, {@code permissive} or
   *     {@code disabled}
   */
  public record ServiceDescriptor(String name, String zone, String trustDomain, String tlsMode) { }

  /**
   * The registry.
   *
   * @param kind the registry's class, e.g. {@code FileRegistry}
   * @param source the file or folder of a {@code FileRegistry}; null for other registries
   * @param version the newest snapshot version among the services this mesh watches (its own and
   *     its destinations'); it grows with every change the registry applies to one of them
   * @param reportsErrors whether the registry tells refused documents (a {@code FileRegistry}
   *     does); when false, {@code problems} is always empty
   * @param problems why the latest document was refused, while it is in force; empty when the
   *     latest document was accepted
   */
  public record RegistryDescriptor(String kind, String source, long version, boolean reportsErrors,
      List<ProblemDescriptor> problems) { }

  /** One problem of a refused registry document: file, line, column, field and message. */
  public record ProblemDescriptor(String source, int line, int column, String field, String message) { }

  /**
   * The workload identity.
   *
   * @param notAfter when the current certificate expires (ISO-8601); null when the identity is
   *     not mesh-tls's
   * @param secondsLeft seconds until then, negative once expired; null with {@code notAfter}
   */
  public record IdentityDescriptor(String spiffeId, String notAfter, Long secondsLeft) { }

  /**
   * A destination the mesh has made.
   *
   * @param known whether the registry names the service
   * @param version the version of its snapshot in force
   * @param timeout the registry's timeout for its calls (ISO-8601)
   * @param circuitState the destination's circuit breaker: {@code CLOSED}, {@code OPEN},
   *     {@code HALF_OPEN} or {@code DISABLED}
   * @param inFlight calls in flight to it
   */
  public record DestinationDescriptor(boolean known, long version, String protocol,
      String loadBalancer, String timeout, String circuitState, int inFlight,
      RetryBudgetDescriptor retryBudget, List<RouteDescriptor> routes,
      List<EndpointDescriptor> endpoints) { }

  /**
   * The retry budget: its policy, and how many retries it has refused.
   *
   * @param exhausted retries refused so far, by the budget or the throttle
   *     ({@code mesh.client.retry.budget.exhausted})
   */
  public record RetryBudgetDescriptor(double ratio, int minPerSecond, String ttl, long exhausted) { }

  /** A route of the registry's document. */
  public record RouteDescriptor(String name, Map<String, String> matchHeaders,
      List<TargetDescriptor> split) { }

  /** Where a route sends a share of its calls: a label selector and its weight. */
  public record TargetDescriptor(Map<String, String> to, int weight) { }

  /**
   * An endpoint, as the load balancer and outlier detection see it.
   *
   * @param ejected whether outlier detection has ejected it now
   * @param ejections how many times it was ejected
   * @param inFlight attempts in flight to it
   * @param ewmaLatencyMillis its peak-EWMA latency, milliseconds
   * @param attempts attempts sent to it
   * @param failures attempts that failed
   */
  public record EndpointDescriptor(String address, String zone, int weight, Map<String, String> labels,
      boolean ejected, long ejections, int inFlight, double ewmaLatencyMillis, long attempts,
      long failures) { }
}
