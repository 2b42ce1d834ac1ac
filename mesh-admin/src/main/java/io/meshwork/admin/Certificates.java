package io.meshwork.admin;

import io.meshwork.core.Mesh;
import java.time.Instant;
import java.util.Optional;

/**
 * The mesh's current workload certificate, when its identity is mesh-tls's. mesh-tls is an
 * optional dependency: without it on the class path there is no certificate to tell of, and
 * nothing here loads its classes.
 */
final class Certificates {
  private static final boolean TLS_PRESENT = present("io.meshwork.tls.MeshTls");

  private Certificates() {}

  /** When the certificate in force expires. */
  static Optional<Instant> notAfter(Mesh mesh) {
    if (!TLS_PRESENT) return Optional.empty();
    return Tls.notAfter(mesh);
  }

  /**
   * The serial number of the certificate in force: a new certificate may have the same notAfter
   * (it has whole seconds), its serial tells.
   */
  static Optional<Object> serial(Mesh mesh) {
    if (!TLS_PRESENT) return Optional.empty();
    return Tls.serial(mesh);
  }

  /** Whether {@code className} can be loaded here (an optional dependency is present). */
  static boolean present(String className) {
    try {
      Class.forName(className, false, Certificates.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** Loaded only when mesh-tls is on the class path. */
  private static final class Tls {
    static Optional<Instant> notAfter(Mesh mesh) {
      return io.meshwork.tls.MeshTls.of(mesh).map(t -> t.identity().current().notAfter());
    }

    static Optional<Object> serial(Mesh mesh) {
      return io.meshwork.tls.MeshTls.of(mesh).map(t -> t.identity().current().leaf().getSerialNumber());
    }
  }
}
