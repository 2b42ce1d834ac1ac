package io.meshwork.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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

  /** Writes {@code cert}'s chain, key and bundle as {@code <prefix>.crt/.key/-ca.crt} in {@code dir}. */
  static Path[] writePem(Path dir, WorkloadCertificate cert, String prefix) throws IOException {
    Path chain = dir.resolve(prefix + ".crt");
    Path key = dir.resolve(prefix + ".key");
    Path bundle = dir.resolve(prefix + "-ca.crt");
    Files.write(chain, cert.chainPem().getBytes(StandardCharsets.US_ASCII));
    Files.write(key, cert.privateKeyPem().getBytes(StandardCharsets.US_ASCII));
    Files.write(bundle, cert.trustBundlePem().getBytes(StandardCharsets.US_ASCII));
    return new Path[] {chain, key, bundle};
  }
}
