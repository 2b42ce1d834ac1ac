package io.meshwork.spring.boot;

import io.meshwork.admin.MeshState;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The {@code meshwork} Actuator endpoint ({@code /actuator/meshwork}): what this process's mesh
 * is and sees now, as the same versioned document that mesh-admin serves at {@code
 * /admin/state.json} ({@value MeshState#SCHEMA}; its JSON schema and field descriptions are in
 * mesh-admin's README). This service and its identity, the registry (with the problems of a
 * refused document), every destination the mesh has made with its golden metrics, breaker, retry
 * budget, concurrency and endpoints, and the callers of this service. Read-only; reading it makes
 * no destination.
 */
@Endpoint(id = "meshwork")
public class MeshEndpoint {

  private final MeshState state;

  public MeshEndpoint(MeshState state) {
    this.state = Objects.requireNonNull(state, "state");
  }

  /** The whole view: the state document as ordered maps and lists, which Actuator writes as JSON. */
  @ReadOperation
  public Map<String, Object> mesh() {
    return state.document();
  }
}
