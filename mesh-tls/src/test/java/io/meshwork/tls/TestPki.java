package io.meshwork.tls;

import java.nio.file.Path;
import java.time.Duration;

/** A development CA in a test folder, on a fake clock shared by everything built from it. */
final class TestPki {
  static final String TRUST_DOMAIN = "example.org";

  final FakeClock clock;
  final DevCertificateAuthority ca;

  TestPki(Path folder) {
    this(folder, new FakeClock());
  }

  TestPki(Path folder, FakeClock clock) {
    this.clock = clock;
    this.ca = DevCertificateAuthority.builder(folder).clock(clock).build();
  }

  static SpiffeId id(String service) {
    return SpiffeId.forService(TRUST_DOMAIN, service);
  }

  /** A manually renewed identity for {@code service} with certificates of {@code lifetime}. */
  RotatingIdentity identity(String service, Duration lifetime) {
    return RotatingIdentity.builder(ca, id(service)).lifetime(lifetime).clock(clock).manualRenewal().build();
  }

  RotatingIdentity identity(String service) {
    return identity(service, Duration.ofHours(1));
  }

  MeshTls tls(IdentitySource source) {
    return MeshTls.builder(source).clock(clock).build();
  }
}
