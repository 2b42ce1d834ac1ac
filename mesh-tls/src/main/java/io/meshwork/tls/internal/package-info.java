/**
 * The implementation of mesh-tls: key and trust managers, the TLS 1.3 context wrapper, PEM and
 * X.509 helpers. Not public API: anything here may change without notice.
 */
package io.meshwork.tls.internal;
