package io.meshwork.core.registry;

import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.ServiceConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What one file of a registry folder contributes before files are merged: its mesh settings,
 * if it has a {@code mesh:} section, and its services, each with where it was defined so that a
 * conflict between files can name both places.
 *
 * @param mesh the settings and where the {@code mesh:} key is; empty when the file has none
 * @param services services by name, in document order
 */
record ParsedFile(Optional<Located<MeshSettings>> mesh, Map<String, Located<ServiceConfig>> services) {
  static final ParsedFile EMPTY = new ParsedFile(Optional.empty(), Map.of());

  ParsedFile {
    services = Collections.unmodifiableMap(new LinkedHashMap<>(services));
  }

  /**
   * A value and the position of the key that introduced it.
   *
   * @param line 1-based, 0 when unknown
   * @param column 1-based, 0 when unknown
   */
  record Located<T>(T value, String source, int line, int column) {
    /** {@code source:line:column}, as a message names another place. */
    String where() {
      return source + (line > 0 ? ":" + line + (column > 0 ? ":" + column : "") : "");
    }
  }
}
