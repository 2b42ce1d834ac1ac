/**
 * Test fixtures of mesh-tls shared with the transports' tests through mesh-tls's test-jar
 * ({@code <type>test-jar</type>}, test scope). Not part of any released artifact's API.
 */
package io.meshwork.tls.testing;
