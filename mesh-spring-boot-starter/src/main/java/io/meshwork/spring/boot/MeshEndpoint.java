package io.meshwork.spring.boot;

import io.meshwork.core.Destination;
import io.meshwork.core.EndpointStatus;
import io.meshwork.core.Mesh;
import io.meshwork.core.RetryBudgetStatus;
import io.meshwork.core.WorkloadIdentity;
import io.meshwork.core.inbound.InboundCaller;
import io.meshwork.core.model.ClientPolicy;

import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.Route;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.model.WeightedTarget;
import io.meshwork.core.registry.ConfigProblem;
import io.meshwork.core.registry.Registry;
import io.meshwork.core.registry.RegistryStatus;
import io.meshwork.core.registry.ServiceSnapshot;
import io.meshwork.core.registry.Watch;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.WorkloadCertificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The {@code meshwork} Actuator endpoint ({@code /actuator/meshwork}): what this process's mesh
 * is and sees now. This service (name, zone, trust domain, TLS mode), the registry (kind, source,
 * version, the problems of a refused document), the identity (SPIFFE ID, certificate expiry) and
 * every destination the mesh has made ({@link Mesh#destinations()}), with its routes, retry
 * budget and endpoints as the load balancer, outlier detection and health checks see them, and
 * the callers of this service ({@link Mesh#inboundCallers()}). Read-only; reading it makes no
 * destination.
 *
 * <p>Everything comes from mesh-core's and mesh-tls's public API. The JSON field names are the
 * record components below and are kept stable; the starter's README shows an example.
 */
@Endpoint(id = "meshwork")
public class MeshEndpoint {

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
    for (Destination d : mesh.destinations()) {
      ServiceSnapshot s = d.snapshot();
      version = Math.max(version, s.version());
      destinations.put(d.service(), destination(d, s));
    }
    ServiceDescriptor service = new ServiceDescriptor(mesh.serviceName(), mesh.zone(),
        own.mesh().trustDomain(), own.mesh().tls().documentName());
    List<InboundCallerDescriptor> callers = new ArrayList<>();
    for (InboundCaller c : mesh.inboundCallers()) callers.add(caller(c));
    return new MeshDescriptor(service, registry(mesh.registry(), version),
        identity(mesh, clock).orElse(null), destinations, callers);
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

  /**
   * The registry from its {@link Registry#status()}; {@code seenVersion} is the newest snapshot
   * version the mesh holds, for registries whose status does not carry one.
   */
  static RegistryDescriptor registry(Registry registry, long seenVersion) {
    RegistryStatus status = registry.status();
    return new RegistryDescriptor(registry.getClass().getSimpleName(), status.source(),
        Math.max(status.version(), seenVersion), status.lastApplied().map(Instant::toString).orElse(null),
        status.rejected().stream().map(MeshEndpoint::problem).toList(), status.readProblem().orElse(null));
  }

  private static InboundCallerDescriptor caller(InboundCaller c) {
    Map<String, Long> refused = new TreeMap<>();
    c.refused().forEach((kind, n) -> refused.put(kind.errorType(), n));
    return new InboundCallerDescriptor(c.identity(), c.accepted(), c.refusedTotal(), refused,
        c.sinceLastSeen().toMillis());
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
          e.attempts(), e.failures(), e.notServing()));
    }
    RetryBudgetStatus budget = d.retryBudget();
    return new DestinationDescriptor(s.known(), s.version(), s.config().protocol().documentName(),
        client.loadBalancer().documentName(), String.valueOf(client.timeout()),
        d.circuitState().name(), d.inFlight(),
        new RetryBudgetDescriptor(budget.ratio(), budget.minPerSecond(), String.valueOf(budget.ttl()),
            budget.available(), budget.throttled(), budget.refusedByBudget(), budget.refusedByThrottle(),
            budget.refused()),
        routes, endpoints);
  }

  /**
   * The response of {@code /actuator/meshwork}.
   *
   * @param identity null when the mesh speaks plaintext only
   * @param destinations by service name, sorted
   * @param inboundCallers who called this service, most requests first
   */
  public record MeshDescriptor(ServiceDescriptor service, RegistryDescriptor registry,
      IdentityDescriptor identity, Map<String, DestinationDescriptor> destinations,
      List<InboundCallerDescriptor> inboundCallers) { }

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
   * @param source where it reads, as its {@link RegistryStatus#source()} says: {@code
   *     file:/etc/mesh.yaml}, {@code memory}, {@code zookeeper:zk1:2181/meshwork}
   * @param version the registry's version in force; it grows with every change the registry
   *     applies to a watched service
   * @param lastApplied when a change last reached a watched service (ISO-8601); null if never
   * @param problems why the latest document was refused, while the last good one is in force;
   *     empty when the latest document was accepted
   * @param readProblem why the registry cannot be read now (the last good document is in force
   *     meanwhile); null when it can
   */
  public record RegistryDescriptor(String kind, String source, long version, String lastApplied,
      List<ProblemDescriptor> problems, String readProblem) { }

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
   * The retry budget ({@link Destination#retryBudget()}): its policy, what it allows now, and how
   * many retries it has refused.
   *
   * @param ttl the window (ISO-8601)
   * @param available retries the window allows now (fractional)
   * @param throttled whether the retry throttle holds retries back now
   * @param refusedByBudget retries refused because the window had none left
   * @param refusedByThrottle retries refused by the throttle
   * @param exhausted retries refused so far, both together ({@code
   *     mesh.client.retry.budget.exhausted})
   */
  public record RetryBudgetDescriptor(double ratio, int minPerSecond, String ttl, double available,
      boolean throttled, long refusedByBudget, long refusedByThrottle, long exhausted) { }

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
   * @param notServing whether the last active health check said it is not serving
   */
  public record EndpointDescriptor(String address, String zone, int weight, Map<String, String> labels,
      boolean ejected, long ejections, int inFlight, double ewmaLatencyMillis, long attempts,
      long failures, boolean notServing) { }

  /**
   * A caller of this service ({@link Mesh#inboundCallers()}).
   *
   * @param identity the verified SPIFFE ID of its client certificate; {@code anonymous} for
   *     calls without one; {@code other} for callers beyond the first 256 identities
   * @param accepted requests let through to the handler
   * @param refused requests refused before the handler, all rules together
   * @param refusedBy refused requests per rule: {@code identity-required}, {@code access-denied},
   *     {@code deadline-exceeded} (absent: none)
   * @param lastSeenMillisAgo how long ago its last request began, milliseconds
   */
  public record InboundCallerDescriptor(String identity, long accepted, long refused,
      Map<String, Long> refusedBy, long lastSeenMillisAgo) { }
}
