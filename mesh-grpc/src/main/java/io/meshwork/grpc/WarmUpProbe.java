package io.meshwork.grpc;

import io.grpc.CallOptions;
import io.meshwork.core.model.Address;
import java.util.List;

/**
 * The call option of {@link MeshGrpc#warmUp}'s calls, which go outside the engine. Without an
 * endpoint it asks the channel's {@link MeshClientInterceptor} which service and endpoints the
 * channel has (filled in by {@code newCall}; the call is never started). With one it is a probe
 * that {@link MeshPicker} sends on that endpoint's connection, waiting while it connects and
 * failing at once when it cannot.
 */
final class WarmUpProbe {
  static final CallOptions.Key<WarmUpProbe> KEY = CallOptions.Key.create("meshwork-warm-up");

  /** The endpoint to probe, or null to ask for the channel's endpoints. */
  final Address endpoint;
  /** Filled in by the interceptor when {@link #endpoint} is null. */
  volatile String service;
  volatile List<Address> endpoints;

  private WarmUpProbe(Address endpoint) {
    this.endpoint = endpoint;
  }

  static WarmUpProbe question() {
    return new WarmUpProbe(null);
  }

  static WarmUpProbe to(Address endpoint) {
    return new WarmUpProbe(endpoint);
  }
}
