package io.meshwork.grpc;

import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.Status;
import io.grpc.SynchronizationContext.ScheduledHandle;
import io.meshwork.core.model.Address;
import io.meshwork.core.model.TlsMode;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Keeps one connection (subchannel) per endpoint the name resolver lists, and publishes a new
 * {@link MeshPicker} whenever the list or a connection's state changes. Endpoint choice is not
 * made here but by the engine, inside the picker.
 *
 * <p>Registry changes: a new endpoint gets a subchannel that starts connecting at once; a removed
 * one is shut down, which lets its calls in flight finish (gRPC closes a shut-down subchannel's
 * transports gracefully); endpoints that stay keep their connection.
 *
 * <p>Connection state as the picker sees it: like gRPC's round robin, a connection that failed
 * stays TRANSIENT_FAILURE while it reconnects, until it is READY again, so picks that land on it
 * fail over at once instead of waiting on each reconnect. With client-side health checking (the
 * service config's {@code healthCheckConfig}, which {@link MeshGrpc} channels carry when the
 * registry's {@code client.healthCheck} policy is enabled), a server that reports NOT_SERVING is
 * TRANSIENT_FAILURE too.
 *
 * <p>TLS mode: a channel with a workload identity secures each connection as the registry's mode
 * says when the connection is made ({@link ClientNegotiator}). When the resolver reports another
 * mode, every subchannel is replaced by a new one (the old ones shut down gracefully, so their
 * calls in flight finish), so the channel's connections follow the mode at once instead of at
 * their next reconnect.
 *
 * <p>Warm-up: while a new connection makes its first attempt to connect (at most {@value
 * #WARM_UP_MILLIS} ms), the picker starts no new attempt: the engine measures an attempt's latency
 * from its pick, and a first sample that includes the connection set-up would make peak-EWMA
 * shun a new endpoint for tens of seconds. Calls wait for the pick meanwhile; none fails.
 *
 * <p>Threading: every method runs in the channel's synchronization context; the published
 * picker is immutable.
 */
final class MeshLoadBalancer extends LoadBalancer {
  /** Longest time a new connection holds back new attempts while it first connects. */
  static final long WARM_UP_MILLIS = 250;

  private final Helper helper;
  private final Map<Address, Tracked> tracked = new LinkedHashMap<>();
  private String service = "?";
  private TlsMode tlsMode;
  private Status resolutionError;

  MeshLoadBalancer(Helper helper) {
    this.helper = helper;
  }

  /** One endpoint's subchannel and the state the picker is shown. */
  private static final class Tracked {
    final Address address;
    final Subchannel subchannel;
    EquivalentAddressGroup group;
    ConnectivityStateInfo state = ConnectivityStateInfo.forNonError(ConnectivityState.CONNECTING);
    /** Until its first connection attempt ends (or the warm-up time passes). */
    boolean warming = true;
    ScheduledHandle warmUp;

    Tracked(Address address, Subchannel subchannel, EquivalentAddressGroup group) {
      this.address = address;
      this.subchannel = subchannel;
      this.group = group;
    }
  }

  @Override
  public Status acceptResolvedAddresses(ResolvedAddresses resolved) {
    String s = resolved.getAttributes().get(MeshNameResolver.SERVICE);
    if (s != null) service = s;
    TlsMode mode = resolved.getAttributes().get(MeshNameResolver.TLS_MODE);
    if (mode != null && tlsMode != null && mode != tlsMode) {
      // Connections were secured for the old mode: replace them all.
      for (Tracked t : tracked.values()) {
        if (t.warmUp != null) t.warmUp.cancel();
        t.subchannel.shutdown();
      }
      tracked.clear();
    }
    tlsMode = mode;
    resolutionError = null;
    Map<Address, EquivalentAddressGroup> wanted = new LinkedHashMap<>();
    for (EquivalentAddressGroup g : resolved.getAddresses()) {
      Address a = addressOf(g);
      if (a != null) wanted.putIfAbsent(a, g);
    }
    for (Iterator<Tracked> it = tracked.values().iterator(); it.hasNext(); ) {
      Tracked t = it.next();
      if (!wanted.containsKey(t.address)) {
        it.remove();
        if (t.warmUp != null) t.warmUp.cancel();
        t.subchannel.shutdown();
      }
    }
    for (Map.Entry<Address, EquivalentAddressGroup> w : wanted.entrySet()) {
      Tracked t = tracked.get(w.getKey());
      if (t == null) {
        Subchannel sc = helper.createSubchannel(CreateSubchannelArgs.newBuilder()
            .setAddresses(w.getValue())
            .build());
        Tracked fresh = new Tracked(w.getKey(), sc, w.getValue());
        tracked.put(w.getKey(), fresh);
        fresh.warmUp = helper.getSynchronizationContext().schedule(() -> {
          fresh.warming = false;
          if (tracked.get(fresh.address) == fresh) publish();
        }, WARM_UP_MILLIS, TimeUnit.MILLISECONDS, helper.getScheduledExecutorService());
        sc.start(info -> onSubchannelState(fresh, info));
        sc.requestConnection();
      } else if (!t.group.equals(w.getValue())) {
        t.group = w.getValue();
        t.subchannel.updateAddresses(List.of(w.getValue()));
      }
    }
    publish();
    // An empty list is not an error here: the engine says why there is nothing to call.
    return Status.OK;
  }

  @Override
  public void handleNameResolutionError(Status error) {
    if (tracked.isEmpty()) {
      resolutionError = error;
      publish();
    }
  }

  private void onSubchannelState(Tracked t, ConnectivityStateInfo info) {
    if (tracked.get(t.address) != t) return; // removed meanwhile
    ConnectivityState state = info.getState();
    if (state == ConnectivityState.SHUTDOWN) return;
    if (state == ConnectivityState.READY || state == ConnectivityState.TRANSIENT_FAILURE) {
      t.warming = false;
      if (t.warmUp != null) t.warmUp.cancel();
    }
    if (state == ConnectivityState.IDLE) {
      t.subchannel.requestConnection();
    }
    if (t.state.getState() == ConnectivityState.TRANSIENT_FAILURE
        && (state == ConnectivityState.CONNECTING || state == ConnectivityState.IDLE)) {
      return; // sticky failure until READY again
    }
    t.state = info;
    publish();
  }

  private void publish() {
    Map<Address, MeshPicker.Entry> entries = new HashMap<>();
    List<Subchannel> ready = new ArrayList<>();
    boolean connecting = false;
    boolean warming = false;
    Status lastFailure = null;
    for (Tracked t : tracked.values()) {
      warming |= t.warming;
      entries.put(t.address, new MeshPicker.Entry(t.subchannel, t.state));
      switch (t.state.getState()) {
        case READY -> ready.add(t.subchannel);
        case CONNECTING, IDLE -> connecting = true;
        default -> lastFailure = t.state.getStatus();
      }
    }
    ConnectivityState aggregate;
    Status noneReady = null;
    if (!ready.isEmpty()) {
      aggregate = ConnectivityState.READY;
    } else if (connecting) {
      aggregate = ConnectivityState.CONNECTING;
    } else {
      aggregate = ConnectivityState.TRANSIENT_FAILURE;
      noneReady = resolutionError != null ? resolutionError
          : lastFailure != null ? lastFailure
          : Status.UNAVAILABLE.withDescription(service + ": no endpoints");
    }
    helper.updateBalancingState(aggregate, new MeshPicker(service, Map.copyOf(entries), List.copyOf(ready), noneReady, warming));
  }

  @Override
  public void shutdown() {
    for (Tracked t : tracked.values()) {
      if (t.warmUp != null) t.warmUp.cancel();
      t.subchannel.shutdown();
    }
    tracked.clear();
  }

  /** The mesh address of a group: the resolver's attribute, else the socket address. */
  private static Address addressOf(EquivalentAddressGroup g) {
    Address a = g.getAttributes().get(MeshNameResolver.ADDRESS);
    if (a != null) return a;
    for (SocketAddress sa : g.getAddresses()) {
      if (sa instanceof InetSocketAddress isa) return new Address(isa.getHostString(), isa.getPort());
    }
    return null;
  }

}
