package io.meshwork.core;

/**
 * The identity a {@link Mesh} speaks mutual TLS as: this service's certificate, key and trust
 * bundle, kept current. The mesh owns it ({@link Mesh.Builder#identity}), so every client,
 * channel and server built from the mesh secures its connections with it without being handed
 * it, and {@link Mesh#close()} closes it. mesh-tls's {@code MeshTls} is the implementation; this
 * interface only lets mesh-core hold one without depending on a TLS library.
 */
public interface WorkloadIdentity extends AutoCloseable {
  /** This workload's SPIFFE ID, {@code spiffe://<trust domain>/service/<service>}. */
  String spiffeId();

  /** Stops what the identity runs (renewal, file polling) and removes its meters. Idempotent. */
  @Override
  void close();
}
