package io.meshwork.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.meshwork.core.Destination;
import io.meshwork.core.Mesh;
import io.meshwork.core.Ticker;
import io.meshwork.core.model.TlsMode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.TextMapPropagator;

/**
 * Sends every call of a {@link MeshGrpc} channel through the mesh: one mesh call per gRPC call,
 * which fixes the deadline (the sooner of the caller's gRPC deadline, the gRPC and mesh context's
 * deadline and the registry's timeout: one deadline, sent as {@code grpc-timeout}), takes the
 * admission (concurrency limit, circuit breaker), and decides each retry. See {@link
 * MeshClientCall} for the per-call loop and {@link MeshPicker} for the pick.
 *
 * <p>Installed by {@link MeshGrpc#channelBuilder}, innermost, so it sees the call as the
 * application's interceptors left it. Users do not add or order it.
 *
 * <p>A method may be retried after its request may have reached a server only when it is
 * idempotent: {@link MethodDescriptor#isIdempotent()} or {@link MethodDescriptor#isSafe()} (from
 * the proto's {@code idempotency_level}), a call made with {@link MeshGrpc#IDEMPOTENT} set, or a
 * method the registry lists in the destination's {@code client.retries.idempotentMethods} (by
 * full name or as {@code package.Service/*}). The registry's list is read from the destination's
 * current snapshot when the call is created, so a change applies to the next call; a call in
 * flight keeps what it started with. A call that is none of these is still retried when its
 * request provably never left (a refused connection).
 *
 * <p>Thread-safe.
 */
final class MeshClientInterceptor implements ClientInterceptor {
  final Destination destination;
  final Ticker ticker;
  final TextMapPropagator propagator;
  final Tracer tracer;
  /** Whether the channel has a workload identity (a MeshTls). */
  final boolean tls;
  private final Status noIdentity;

  MeshClientInterceptor(Mesh mesh, String service, boolean tls) {
    this.destination = mesh.destination(service);
    this.ticker = mesh.ticker();
    this.propagator = mesh.openTelemetry().getPropagators().getTextMapPropagator();
    this.tracer = mesh.openTelemetry().getTracer(RpcSpans.INSTRUMENTATION_SCOPE);
    this.tls = tls;
    this.noIdentity = Status.UNAVAILABLE.withDescription(service
        + ": mesh TLS mode is strict but this channel has no workload identity; pass a MeshTls");
  }

  /**
   * Why a call must fail before anything is sent, as far as TLS goes: the registry's mode is
   * strict and this channel can only speak plaintext. {@code null} otherwise. A volatile read.
   */
  Status tlsRefusal() {
    return !tls && destination.snapshot().mesh().tls() == TlsMode.STRICT ? noIdentity : null;
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    WarmUpProbe probe = callOptions.getOption(WarmUpProbe.KEY);
    if (probe != null) {
      // MeshGrpc.warmUp: not a call, so no engine, retries, budget or meters.
      if (probe.endpoint == null) {
        probe.endpoints = destination.endpoints().stream().map(e -> e.endpoint().address()).toList();
        probe.service = destination.service();
      }
      return next.newCall(method, callOptions);
    }
    boolean idempotent = method.isIdempotent() || method.isSafe()
        || Boolean.TRUE.equals(callOptions.getOption(MeshGrpc.IDEMPOTENT))
        || destination.snapshot().config().client().retries().idempotent(method.getFullMethodName());
    return new MeshClientCall<>(this, method, callOptions, next, idempotent);
  }
}
