package io.meshwork.grpc;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.grpc.SynchronizationContext;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.Address;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.HealthCheckPolicy;
import io.meshwork.core.model.Protocol;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.ServiceSnapshot;
import io.meshwork.core.registry.Watch;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Resolves {@code mesh:///greeter} to the endpoints the registry lists for {@code greeter}, live:
 * it watches the service and publishes every new snapshot (no polling; {@link #refresh()} has
 * nothing to do). Each address carries its mesh {@link Address} so the balancer can match
 * connections to the engine's endpoints. The service config it publishes selects the {@value
 * MeshLoadBalancerProvider#POLICY} policy and, when the service's {@code client.healthCheck}
 * policy says so, client-side health checking ({@code healthCheckConfig}); see {@link
 * #healthCheckedService} for how the channel's {@link MeshNameResolverProvider#HEALTH_CHECK_SERVICE}
 * argument combines with the policy. Every snapshot carries the service config it implies, so a
 * policy change in the registry reaches the channel like an endpoint change: gRPC's
 * health-checking wrapper starts, stops or renames the health watch on each open connection. For
 * a channel that follows the registry's TLS mode, each result also carries the mode.
 *
 * <p>Threading: registry notifications are handed to the channel's synchronization context;
 * they may arrive on a registry thread or on the thread that changed the registry.
 */
final class MeshNameResolver extends NameResolver {
  /** The mesh address of a resolved address group. */
  static final Attributes.Key<Address> ADDRESS = Attributes.Key.create("meshwork-address");
  /** The service name, on the resolution result. */
  static final Attributes.Key<String> SERVICE = Attributes.Key.create("meshwork-service");
  /** The registry's TLS mode, on the resolution result of a channel with a workload identity. */
  static final Attributes.Key<TlsMode> TLS_MODE = Attributes.Key.create("meshwork-tls-mode");

  private final Mesh mesh;
  private final String service;
  private final SynchronizationContext syncContext;
  private final ServiceConfigParser configParser;
  /** The channel's {@link MeshNameResolverProvider#HEALTH_CHECK_SERVICE} argument, or null. */
  private final String healthCheckArg;
  private final boolean tls;
  /** The last service config published and the health-checked service it was made for. */
  private ConfigOrError serviceConfig;
  private String serviceConfigHealth;
  private Watch watch;
  private Listener2 listener;
  private boolean shutdown;

  /**
   * @param healthCheckArg the channel's {@link MeshNameResolverProvider#HEALTH_CHECK_SERVICE}
   *     argument, null when not set
   */
  MeshNameResolver(Mesh mesh, String service, Args args, String healthCheckArg) {
    this.mesh = mesh;
    this.service = service;
    this.syncContext = args.getSynchronizationContext();
    this.tls = Boolean.TRUE.equals(args.getArg(MeshNameResolverProvider.TLS));
    this.configParser = args.getServiceConfigParser();
    this.healthCheckArg = healthCheckArg;
  }

  /**
   * The grpc.health.v1 service name a channel checks, or null for no health checking: the
   * registry policy's {@code healthCheck} decides whether to check and which name, and the
   * channel's argument overrides it. {@link MeshGrpc#NO_HEALTH_CHECK} turns checking off
   * whatever the registry says; any other value replaces the policy's service name while the
   * policy has checking enabled. A policy with {@code enabled: false} turns checking off even
   * for a channel that names a service: it is the operator's switch for every caller (for
   * instance when servers report NOT_SERVING wrongly and health checking would leave no endpoint).
   *
   * @param channelArg the channel's argument, null when not set
   */
  static String healthCheckedService(HealthCheckPolicy policy, String channelArg) {
    if (MeshGrpc.NO_HEALTH_CHECK.equals(channelArg) || !policy.enabled()) return null;
    return channelArg != null ? channelArg : policy.service();
  }

  /** The service config of the {@value MeshLoadBalancerProvider#POLICY} policy, as gRPC reads it. */
  static Map<String, ?> serviceConfig(String healthCheckedService) {
    List<?> balancing = List.of(Map.of(MeshLoadBalancerProvider.POLICY, Map.of()));
    return healthCheckedService == null
        ? Map.of("loadBalancingConfig", balancing)
        : Map.of("loadBalancingConfig", balancing, "healthCheckConfig", Map.of("serviceName", healthCheckedService));
  }

  /** The parsed service config for this snapshot's policy; parsed again only when it changes. */
  private ConfigOrError serviceConfigFor(ServiceSnapshot snapshot) {
    String health = healthCheckedService(snapshot.config().client().healthCheck(), healthCheckArg);
    if (serviceConfig == null || !Objects.equals(health, serviceConfigHealth)) {
      serviceConfig = configParser.parseServiceConfig(serviceConfig(health));
      serviceConfigHealth = health;
    }
    return serviceConfig;
  }

  @Override
  public String getServiceAuthority() {
    return service;
  }

  @Override
  public void start(Listener2 listener) {
    this.listener = listener;
    // The first snapshot arrives inside watch(); it is queued behind this task (start runs in the
    // synchronization context).
    this.watch = mesh.registry().watch(service, snapshot -> syncContext.execute(() -> publish(snapshot)));
  }

  private void publish(ServiceSnapshot snapshot) {
    if (shutdown) return;
    List<EquivalentAddressGroup> groups = new ArrayList<>();
    for (Endpoint e : snapshot.config().endpoints()) {
      // Connect to the endpoint's port named grpc when it names its ports; the picker finds the
      // subchannel by the engine's name for the endpoint, its address().
      groups.add(new EquivalentAddressGroup(socketAddress(e.addressFor(Protocol.GRPC)),
          Attributes.newBuilder().set(ADDRESS, e.address()).build()));
    }
    Attributes.Builder attributes = Attributes.newBuilder().set(SERVICE, service);
    if (tls) attributes.set(TLS_MODE, snapshot.mesh().tls());
    listener.onResult2(ResolutionResult.newBuilder()
        .setAddressesOrError(StatusOr.fromValue(groups))
        .setAttributes(attributes.build())
        .setServiceConfig(serviceConfigFor(snapshot))
        .build());
  }

  /** An IP literal is used as is (no lookup); a host name is resolved when connecting. */
  static InetSocketAddress socketAddress(Address a) {
    String host = a.host();
    if (isIpLiteral(host)) {
      try {
        return new InetSocketAddress(InetAddress.getByName(host), a.port());
      } catch (UnknownHostException e) {
        // not reached for literals
      }
    }
    return InetSocketAddress.createUnresolved(host, a.port());
  }

  private static boolean isIpLiteral(String host) {
    if (host.indexOf(':') >= 0) return true; // IPv6 (Address keeps it without brackets)
    int dots = 0;
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c == '.') dots++;
      else if (c < '0' || c > '9') return false;
    }
    return dots == 3;
  }

  @Override
  public void refresh() {
    // The registry pushes every change; there is nothing to poll.
  }

  @Override
  public void shutdown() {
    shutdown = true;
    if (watch != null) watch.close();
  }

  /** A resolver for a channel that was not built by {@link MeshGrpc}: it reports why. */
  static final class Unbound extends NameResolver {
    private final String target;

    Unbound(String target) {
      this.target = target;
    }

    @Override
    public String getServiceAuthority() {
      return "meshwork";
    }

    @Override
    public void start(Listener2 listener) {
      listener.onError(Status.UNAVAILABLE.withDescription(target
          + ": a mesh:/// target needs a channel from MeshGrpc.channel(mesh, service), which binds it to a Mesh"));
    }

    @Override
    public void shutdown() {}
  }
}
