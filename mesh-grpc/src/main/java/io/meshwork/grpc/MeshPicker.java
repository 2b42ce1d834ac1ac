package io.meshwork.grpc;

import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.PickSubchannelArgs;
import io.grpc.LoadBalancer.Subchannel;
import io.grpc.LoadBalancer.SubchannelPicker;
import io.grpc.Status;
import io.meshwork.core.Attempt;
import io.meshwork.core.Decision;
import io.meshwork.core.MeshException;
import io.meshwork.core.Outcome;
import io.meshwork.core.model.Address;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An immutable snapshot of the balancer's connections, published by {@link MeshLoadBalancer} on
 * every change. The endpoint choice is the engine's (its balancer, outlier ejection, routes and
 * zone preference); the picker maps the chosen endpoint to its connection and decides:
 *
 * <ul>
 *   <li>READY: send on it, with a tracer that marks the stream as created;
 *   <li>CONNECTING or IDLE (a first connection): wait for the next picker, keeping the attempt;
 *   <li>TRANSIENT_FAILURE (connection refused, or health NOT_SERVING) or no connection at all:
 *       nothing can be sent, so the attempt is completed here as a connect failure (which feeds
 *       outlier ejection) and the stream is dropped; the interceptor follows the engine's
 *       decision (retry after its backoff, or fail).
 * </ul>
 *
 * <p>While a new connection is warming up (see {@link MeshLoadBalancer}), no new attempt starts.
 *
 * <p>A stream without an {@link AttemptSlot} (a channel used without the mesh interceptor) gets a
 * round robin over READY connections.
 *
 * <p>Thread-safe: immutable apart from the round-robin index. Cost per pick: one map lookup
 * besides the engine's pick.
 */
final class MeshPicker extends SubchannelPicker {
  /** One connection as of this snapshot. */
  record Entry(Subchannel subchannel, ConnectivityStateInfo state) {}

  private final String service;
  private final Map<Address, Entry> entries;
  private final List<Subchannel> ready;
  private final Status noneReady;
  private final boolean warming;
  private final AtomicInteger next = new AtomicInteger();

  MeshPicker(String service, Map<Address, Entry> entries, List<Subchannel> ready, Status noneReady, boolean warming) {
    this.service = service;
    this.entries = entries;
    this.ready = ready;
    this.noneReady = noneReady;
    this.warming = warming;
  }

  @Override
  public PickResult pickSubchannel(PickSubchannelArgs args) {
    AttemptSlot slot = args.getCallOptions().getOption(AttemptSlot.KEY);
    if (slot == null) {
      WarmUpProbe probe = args.getCallOptions().getOption(WarmUpProbe.KEY);
      return probe != null && probe.endpoint != null ? probe(probe.endpoint) : roundRobin();
    }
    Status dropped = slot.pickStatus;
    if (dropped != null) return PickResult.withDrop(dropped);

    Attempt attempt = slot.attempt;
    if (attempt == null) {
      if (warming) return PickResult.withNoResult(); // see MeshLoadBalancer: warm-up
      try {
        attempt = slot.call.nextAttempt();
      } catch (MeshException e) {
        // The engine ended the call: deadline passed, or no endpoint can be used.
        return drop(slot, null, Statuses.of(e));
      } catch (IllegalStateException e) {
        // The call was closed concurrently (cancelled while waiting for its pick).
        return drop(slot, null, Status.CANCELLED.withDescription(service + ": call ended before its pick"));
      }
      slot.attempt = attempt;
    }

    Address address = attempt.endpoint().address();
    Entry e = entries.get(address);
    ConnectivityState state = e == null ? ConnectivityState.SHUTDOWN : e.state().getState();
    if (state == ConnectivityState.READY) {
      return PickResult.withSubchannel(e.subchannel(), slot);
    }
    if (state == ConnectivityState.CONNECTING || state == ConnectivityState.IDLE) {
      return PickResult.withNoResult();
    }
    // Nothing can be sent to this endpoint now: a connect failure, as far as the engine knows.
    Status why = e == null
        ? Status.UNAVAILABLE.withDescription("no connection to " + address + " (not among the resolved addresses)")
        : e.state().getStatus();
    String reason = reason(why);
    Outcome outcome = Outcome.connectFailure(new ConnectFailure(address + ": " + reason));
    Decision decision = attempt.complete(outcome);
    Status status = decision.isFail()
        ? Statuses.of(decision.failure())
        : Status.UNAVAILABLE.withDescription(service + ": " + address + ": " + reason);
    return drop(slot, decision, status);
  }

  /**
   * Why a connection failed, in one line: the status's description without gRPC's pipeline dump,
   * then the innermost cause's message when it adds something (a TLS handshake failure's cause
   * names the peer identity and the rule it broke).
   */
  static String reason(Status why) {
    String d = why.getDescription() == null ? why.getCode().toString() : why.getDescription();
    int newline = d.indexOf('\n');
    if (newline >= 0) d = d.substring(0, newline);
    Throwable root = why.getCause();
    if (root == null) return d;
    for (int i = 0; i < 10 && root.getCause() != null; i++) root = root.getCause();
    String m = root.getMessage();
    return m == null || m.isBlank() || d.contains(m) ? d : d + " (" + m + ")";
  }

  /**
   * A {@link MeshGrpc#warmUp} probe: sent on its endpoint's connection once it is ready (even
   * while the balancer holds back new attempts for warm-up: a probe is not measured), waiting
   * while it connects, failing at once with the reason when it cannot connect.
   */
  private PickResult probe(Address address) {
    Entry e = entries.get(address);
    if (e == null) {
      return PickResult.withDrop(Status.UNAVAILABLE.withDescription(address + ": not among the resolved addresses"));
    }
    return switch (e.state().getState()) {
      case READY -> PickResult.withSubchannel(e.subchannel());
      case CONNECTING, IDLE -> PickResult.withNoResult();
      default -> PickResult.withDrop(Status.UNAVAILABLE.withDescription(reason(e.state().getStatus())));
    };
  }

  private static PickResult drop(AttemptSlot slot, Decision decision, Status status) {
    slot.pickDecision = decision;
    slot.pickStatus = status;
    return PickResult.withDrop(status);
  }

  private PickResult roundRobin() {
    int n = ready.size();
    if (n == 0) return noneReady == null ? PickResult.withNoResult() : PickResult.withError(noneReady);
    int i = Math.floorMod(next.getAndIncrement(), n);
    return PickResult.withSubchannel(ready.get(i));
  }

  /** Why an attempt could not be sent; carries no stack trace (it is a decision, not a bug). */
  static final class ConnectFailure extends Exception {
    private static final long serialVersionUID = 1L;

    ConnectFailure(String message) {
      super(message, null, false, false);
    }
  }

  @Override
  public String toString() {
    return "MeshPicker[" + service + ", " + entries.size() + " connections, " + ready.size() + " ready]";
  }
}
