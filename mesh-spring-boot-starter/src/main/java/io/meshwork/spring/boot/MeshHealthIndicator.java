package io.meshwork.spring.boot;

import io.meshwork.core.Mesh;
import io.meshwork.core.WorkloadIdentity;
import io.meshwork.core.registry.ConfigProblem;
import io.meshwork.core.registry.Registry;
import io.meshwork.core.registry.RegistryStatus;
import io.meshwork.tls.MeshTls;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The {@code meshwork} health indicator. Its status is the worst of:
 *
 * <ul>
 *   <li>the registry, from its {@link Registry#status()}: {@code OUT_OF_SERVICE} while its latest
 *       document is refused, and while it cannot be read (a missing file, a lost ZooKeeper
 *       session). Either way the last good document stays in force and calls still work, so this
 *       is not {@code DOWN}; else {@code UP};
 *   <li>the certificate, when the mesh has a mesh-tls identity: {@code DOWN} once it has expired
 *       (peers refuse it), {@code OUT_OF_SERVICE} when it expires within {@code
 *       meshwork.health.certificate-expiry-warning} (renewal has been failing), else {@code UP}.
 * </ul>
 *
 * <p>The details name the service, the registry (kind, {@code registrySource}, {@code
 * registryVersion}), the certificate's expiry and, when not {@code UP}, the reasons.
 */
public class MeshHealthIndicator implements HealthIndicator {

  private final Mesh mesh;
  private final Duration certificateExpiryWarning;
  private final Clock clock;

  public MeshHealthIndicator(Mesh mesh, Duration certificateExpiryWarning) {
    this(mesh, certificateExpiryWarning, Clock.systemUTC());
  }

  MeshHealthIndicator(Mesh mesh, Duration certificateExpiryWarning, Clock clock) {
    this.mesh = Objects.requireNonNull(mesh, "mesh");
    this.certificateExpiryWarning = Objects.requireNonNull(certificateExpiryWarning, "certificateExpiryWarning");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public Health health() {
    Status status = Status.UP;
    List<String> reasons = new ArrayList<>();
    Health.Builder health = new Health.Builder().withDetail("service", mesh.serviceName());

    Registry registry = mesh.registry();
    RegistryStatus registryStatus = registry.status();
    health.withDetail("registry", registry.getClass().getSimpleName())
        .withDetail("registrySource", registryStatus.source())
        .withDetail("registryVersion", registryStatus.version());
    if (!registryStatus.rejected().isEmpty()) {
      status = Status.OUT_OF_SERVICE;
      reasons.add("the registry refused its latest document; the last good one stays in force: "
          + registryStatus.rejected().stream().map(ConfigProblem::toString).collect(Collectors.joining("; ")));
    }
    if (registryStatus.readProblem().isPresent()) {
      status = Status.OUT_OF_SERVICE;
      reasons.add("the registry cannot be read; the last good document stays in force: "
          + registryStatus.readProblem().get());
    }

    Optional<IdentityDescriptor> identity = identity(mesh, clock);
    if (identity.isPresent()) {
      IdentityDescriptor id = identity.get();
      health.withDetail("spiffeId", id.spiffeId());
      if (id.secondsLeft() != null) {
        health.withDetail("certificateNotAfter", id.notAfter());
        health.withDetail("certificateSecondsLeft", id.secondsLeft());
        if (id.secondsLeft() <= 0) {
          status = Status.DOWN;
          reasons.add("the certificate expired at " + id.notAfter());
        } else if (id.secondsLeft() < certificateExpiryWarning.toSeconds()) {
          if (status != Status.DOWN) status = Status.OUT_OF_SERVICE;
          reasons.add("the certificate expires at " + id.notAfter() + ", within "
              + "meshwork.health.certificate-expiry-warning (" + certificateExpiryWarning + ")");
        }
      }
    }
    if (!reasons.isEmpty()) health.withDetail("reasons", reasons);
    return health.status(status).build();
  }

  /**
   * The workload identity: SPIFFE ID, and for mesh-tls's identities the certificate's expiry.
   *
   * @param notAfter ISO-8601; null when the identity is not mesh-tls's
   * @param secondsLeft until then, negative once expired; null with {@code notAfter}
   */
  record IdentityDescriptor(String spiffeId, String notAfter, Long secondsLeft) { }

  static Optional<IdentityDescriptor> identity(Mesh mesh, Clock clock) {
    Optional<WorkloadIdentity> identity = mesh.identity();
    if (identity.isEmpty()) return Optional.empty();
    Optional<MeshTls> tls = MeshTls.of(mesh);
    if (tls.isEmpty()) return Optional.of(new IdentityDescriptor(identity.get().spiffeId(), null, null));
    Instant notAfter = tls.get().identity().current().notAfter();
    return Optional.of(new IdentityDescriptor(identity.get().spiffeId(), notAfter.toString(),
        Duration.between(clock.instant(), notAfter).toSeconds()));
  }
}
