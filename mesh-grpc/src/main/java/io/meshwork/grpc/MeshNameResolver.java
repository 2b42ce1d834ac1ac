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
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.ServiceSnapshot;
import io.meshwork.core.registry.Watch;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Resolves {@code mesh:///greeter} to the endpoints the registry lists for {@code greeter}, live:
 * it watches the service and publishes every new snapshot (no polling; {@link #refresh()} has
 * nothing to do). Each address carries its mesh {@link Address} so the balancer can match
 * connections to the engine's endpoints. The service config it publishes selects the {@value
 * MeshLoadBalancerProvider#POLICY} policy and, unless turned off, client-side health checking.
 * For a channel that follows the registry's TLS mode, each result also carries the mode.
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
  private final ConfigOrError serviceConfig;
  private final boolean tls;
  private Watch watch;
  private Listener2 listener;
  private boolean shutdown;

  MeshNameResolver(Mesh mesh, String service, Args args, String healthCheckService) {
    this.mesh = mesh;
    this.service = service;
    this.syncContext = args.getSynchronizationContext();
    this.tls = Boolean.TRUE.equals(args.getArg(MeshNameResolverProvider.TLS));
    Map<String, ?> config = healthCheckService == null
        ? Map.of("loadBalancingConfig", List.of(Map.of(MeshLoadBalancerProvider.POLICY, Map.of())))
        : Map.of("loadBalancingConfig", List.of(Map.of(MeshLoadBalancerProvider.POLICY, Map.of())),
            "healthCheckConfig", Map.of("serviceName", healthCheckService));
    this.serviceConfig = args.getServiceConfigParser().parseServiceConfig(config);
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
      groups.add(new EquivalentAddressGroup(socketAddress(e.address()),
          Attributes.newBuilder().set(ADDRESS, e.address()).build()));
    }
    Attributes.Builder attributes = Attributes.newBuilder().set(SERVICE, service);
    if (tls) attributes.set(TLS_MODE, snapshot.mesh().tls());
    listener.onResult2(ResolutionResult.newBuilder()
        .setAddressesOrError(StatusOr.fromValue(groups))
        .setAttributes(attributes.build())
        .setServiceConfig(serviceConfig)
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
