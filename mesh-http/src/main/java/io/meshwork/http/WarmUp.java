package io.meshwork.http;

import io.meshwork.core.model.Address;
import java.util.List;
import java.util.Map;

/**
 * What {@link MeshHttp#warmUp} achieved: the endpoints a connection was opened to (and a request
 * answered on it, whatever its status), and those that could not be reached, with why.
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

  /** The tag that makes {@link MeshInterceptor} send a warm-up request to one endpoint. */
  record Target(Address address, long timeoutNanos) {}
}
