package io.meshwork.core.model;

import java.util.Map;
import java.util.TreeMap;

/**
 * A whole registry document: the mesh settings and every service by name.
 *
 * @param mesh mesh-wide settings
 * @param services services by name (sorted by name)
 */
public record MeshDocument(MeshSettings mesh, Map<String, ServiceConfig> services) {
  public static final MeshDocument EMPTY = new MeshDocument(MeshSettings.DEFAULT, Map.of());

  public MeshDocument {
    Check.notNull("mesh", mesh);
    services = java.util.Collections.unmodifiableMap(new TreeMap<>(Check.notNull("services", services)));
    for (Map.Entry<String, ServiceConfig> e : services.entrySet()) {
      if (!e.getKey().equals(e.getValue().name())) {
        throw new IllegalArgumentException("services: key '" + e.getKey()
            + "' holds service '" + e.getValue().name() + "' (expected: the same name)");
      }
    }
  }

  /** The service of that name, or an {@linkplain ServiceConfig#unknown unknown} one. */
  public ServiceConfig service(String name) {
    ServiceConfig s = services.get(name);
    return s != null ? s : ServiceConfig.unknown(name);
  }
}
