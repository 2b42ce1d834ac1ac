package io.meshwork.http;

import io.meshwork.core.model.Address;

/**
 * The request tag that makes {@link MeshInterceptor} send a warm-up request to one endpoint.
 *
 * @param address where to send it: the endpoint's HTTP port ({@code Endpoint.addressFor("http")})
 */
record WarmUpTarget(Address address, long timeoutNanos) {}
