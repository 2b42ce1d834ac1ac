package io.meshwork.admin;

import io.meshwork.core.Mesh;
import java.time.Instant;
import java.util.Optional;

/**
 * The expiry of the mesh's current workload certificate, when its identity is mesh-tls's.
 * mesh-tls is an optional dependency: without it on the class path there is no expiry to tell.
 */
final class Certificates {
  private static final boolean TLS_PRESENT = present();

  private Certificates() {}

  static Optional<Instant> notAfter(Mesh mesh) {
    if (!TLS_PRESENT) return Optional.empty();
    return io.meshwork.tls.MeshTls.of(mesh).map(tls -> tls.identity().current().notAfter());
  }

  private static boolean present() {
    try {
      Class.forName("io.meshwork.tls.MeshTls", false, Certificates.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
