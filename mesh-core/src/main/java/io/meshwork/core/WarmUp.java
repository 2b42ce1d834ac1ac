package io.meshwork.core;

import io.meshwork.core.model.Address;
import java.util.List;
import java.util.Map;

/**
 * What warming up a client for a service achieved ({@code MeshHttp.warmUp}, {@code
 * MeshGrpc.warmUp}): the endpoints a connection was opened to and a request answered on it
 * (whatever its status: the endpoint's server answered), and those that could not be reached,
 * with why. Both transports return it, so start-up code reads the same for either.
 *
 * @param service the mesh service warmed up
 * @param reached endpoints that answered
 * @param failed endpoints that did not, with the failure's message
 */
public record WarmUp(String service, List<Address> reached, Map<Address, String> failed) {
  public WarmUp {
    reached = List.copyOf(reached);
    failed = Map.copyOf(failed);
  }

  /** Whether every endpoint answered. */
  public boolean complete() {
    return failed.isEmpty();
  }
}
