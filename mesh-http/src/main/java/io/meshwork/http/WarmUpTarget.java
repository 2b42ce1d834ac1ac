package io.meshwork.http;

import io.meshwork.core.model.Address;

/** The request tag that makes {@link MeshInterceptor} send a warm-up request to one endpoint. */
record WarmUpTarget(Address address, long timeoutNanos) {}
