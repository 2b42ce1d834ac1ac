package io.meshwork.core.registry;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a registry can say about its own state, for health checks, admin pages and tools: where
 * it reads, which version is in force, and why the latest change was not taken. Not for the call
 * path: building one may copy.
 *
 * @param source where the registry reads, for people: {@code file:/etc/mesh.yaml}, {@code
 *     zookeeper:zk1:2181/meshwork/prod}
 * @param version the registry-wide version in force; it grows by one per change that alters a
 *     watched service (the version every {@link ServiceSnapshot} carries), {@code 0} before any
 * @param lastApplied when a change of the document or the registrations last reached a watched
 *     service, if ever
 * @param rejected why the latest document was refused, one problem per line with source, line
 *     and column; empty while the latest document is the one in force
 * @param readProblem why the backend cannot be read now (an unreadable file, a lost ZooKeeper
 *     session), while it lasts; the last good document stays in force meanwhile
 */
public record RegistryStatus(
    String source,
    long version,
    Optional<Instant> lastApplied,
    List<ConfigProblem> rejected,
    Optional<String> readProblem) {

  public RegistryStatus {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(lastApplied, "lastApplied");
    rejected = List.copyOf(rejected);
    Objects.requireNonNull(readProblem, "readProblem");
  }

  /** True when the backend is readable and its latest document is the one in force. */
  public boolean healthy() {
    return rejected.isEmpty() && readProblem.isEmpty();
  }
}
