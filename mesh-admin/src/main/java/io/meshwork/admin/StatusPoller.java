package io.meshwork.admin;

import io.meshwork.core.Mesh;
import io.meshwork.core.registry.RegistryStatus;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches what has no listener: the registry's status (a new version applied, a document
 * rejected) and the certificate of a mesh-tls identity (rotated). {@link #poll()} runs every
 * second on the admin's scheduled thread and publishes what changed since the previous poll.
 */
final class StatusPoller {
  private static final Logger log = LoggerFactory.getLogger(StatusPoller.class);

  private final Mesh mesh;
  private final AdminEvents events;
  private long version;
  private List<?> rejected;
  private Optional<String> readProblem;
  private Object certificate;   // the serial number of the certificate in force, or null

  StatusPoller(Mesh mesh, AdminEvents events) {
    this.mesh = mesh;
    this.events = events;
    RegistryStatus s = mesh.registry().status();
    this.version = s.version();
    this.rejected = s.rejected();
    this.readProblem = s.readProblem();
    this.certificate = Certificates.serial(mesh).orElse(null);
  }

  void poll() {
    try {
      RegistryStatus s = mesh.registry().status();
      if (s.version() != version) {
        version = s.version();
        events.publish("registry-updated", null, null, "version " + version);
      }
      if (!s.rejected().equals(rejected)) {
        rejected = s.rejected();
        if (!rejected.isEmpty()) {
          events.publish("registry-rejected", null, null, s.rejected().get(0).toString()
              + (rejected.size() > 1 ? " (and " + (rejected.size() - 1) + " more)" : ""));
        }
      }
      if (!s.readProblem().equals(readProblem)) {
        readProblem = s.readProblem();
        readProblem.ifPresent(p -> events.publish("registry-rejected", null, null, s.source() + ": " + p));
      }
      Object serial = Certificates.serial(mesh).orElse(null);
      if (!Objects.equals(serial, certificate)) {
        certificate = serial;
        if (serial != null) {
          events.publish("certificate-rotated", null, null,
              "notAfter " + Certificates.notAfter(mesh).map(Instant::toString).orElse("unknown"));
        }
      }
    } catch (RuntimeException e) {
      log.warn("admin: polling the registry and identity status failed", e);
    }
  }
}
