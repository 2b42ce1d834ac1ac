/**
 * Where the mesh document comes from: the {@link io.meshwork.core.registry.Registry} SPI and
 * its built-in backends, {@link io.meshwork.core.registry.InMemoryRegistry} for tests and
 * embedding, and {@link io.meshwork.core.registry.FileRegistry}, the embedded default, which
 * reads YAML and sees changes within a second.
 */
package io.meshwork.core.registry;
