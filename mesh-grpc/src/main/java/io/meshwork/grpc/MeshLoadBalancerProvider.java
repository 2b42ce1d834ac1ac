package io.meshwork.grpc;

import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.NameResolver.ConfigOrError;
import io.grpc.protobuf.services.HealthCheckingLoadBalancerUtil;
import java.util.Map;

/**
 * The {@value #POLICY} load-balancing policy: one connection per mesh endpoint, endpoint choice
 * by the engine (P2C peak-EWMA by default, whatever the registry says otherwise), client-side
 * health checking when the service config asks for it. Registered with gRPC's
 * {@code LoadBalancerRegistry} through {@code META-INF/services}; {@link MeshGrpc} channels use
 * it, and it only balances by the engine on those (their interceptor starts the mesh call the
 * picker draws attempts from).
 */
public final class MeshLoadBalancerProvider extends LoadBalancerProvider {
  /** The policy name, as in a service config's {@code loadBalancingConfig}. */
  public static final String POLICY = "meshwork";

  private final LoadBalancer.Factory plain = new LoadBalancer.Factory() {
    @Override
    public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
      return new MeshLoadBalancer(helper);
    }
  };

  @Override
  public boolean isAvailable() {
    return true;
  }

  @Override
  public int getPriority() {
    return 5;
  }

  @Override
  public String getPolicyName() {
    return POLICY;
  }

  @Override
  public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
    // The wrapper starts a grpc.health.v1 Watch per connection when the service config has a
    // healthCheckConfig, and reports NOT_SERVING as TRANSIENT_FAILURE to the balancer.
    // Its streams must not inherit the context of the thread that happens to start them.
    return HealthCheckingLoadBalancerUtil.newHealthCheckingLoadBalancer(plain, new DetachedHelper(helper));
  }

  @Override
  public ConfigOrError parseLoadBalancingPolicyConfig(Map<String, ?> rawConfig) {
    return ConfigOrError.fromConfig(POLICY);
  }
}
