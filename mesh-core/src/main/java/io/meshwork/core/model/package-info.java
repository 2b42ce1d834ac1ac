/**
 * The mesh registry document as immutable values: {@link io.meshwork.core.model.MeshDocument}
 * holds {@link io.meshwork.core.model.MeshSettings} and one
 * {@link io.meshwork.core.model.ServiceConfig} per service.
 *
 * <p>Every field has a safe default, documented on the type that holds it and gathered in
 * {@link io.meshwork.core.model.Defaults}, so a service that lists only endpoints is valid.
 * Durations are {@link java.time.Duration}s; nothing uses {@code -1} to mean "never".
 * Values are validated when constructed and throw {@link java.lang.IllegalArgumentException}
 * with a message of the form {@code field: value (expected: ...)}; the YAML parser turns
 * those into errors that name file and line.
 */
package io.meshwork.core.model;
