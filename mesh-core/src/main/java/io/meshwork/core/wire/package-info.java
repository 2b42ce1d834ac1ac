/**
 * Codecs of the mesh's own headers ({@code mesh-timeout-ms}, {@code mesh-attempt}). Parsers
 * accept only well-formed values, cap absurd ones, and never throw on bad input: the caller
 * ignores a malformed header and counts it.
 */
package io.meshwork.core.wire;
