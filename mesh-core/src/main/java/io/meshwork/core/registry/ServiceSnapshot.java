package io.meshwork.core.registry;

import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.ServiceConfig;
import java.util.Objects;

/**
 * What the registry says of one service at one moment: its configuration with registered
 * endpoints merged in, and the mesh-wide settings.
 *
 * @param known whether a document or a registration names the service
 * @param mesh mesh-wide settings in force
 * @param config the service; for an unknown one, no endpoints and default policies
 * @param version grows with every change the registry applies (for logs and tests)
 */
public record ServiceSnapshot(boolean known, MeshSettings mesh, ServiceConfig config, long version) {
  public ServiceSnapshot {
    Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(config, "config");
  }

  public String service() {
    return config.name();
  }
}
