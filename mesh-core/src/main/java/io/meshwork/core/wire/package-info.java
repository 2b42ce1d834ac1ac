/**
 * Codecs of the mesh's own headers ({@code mesh-timeout-ms}, {@code mesh-attempt}). Parsers
 * accept only well-formed values, cap absurd ones, and never throw on bad input: the caller
 * ignores a malformed header and counts it. {@link io.meshwork.core.wire.QueryRedaction} keeps
 * signed-URL secrets out of the URLs recorded in spans.
 */
package io.meshwork.core.wire;
