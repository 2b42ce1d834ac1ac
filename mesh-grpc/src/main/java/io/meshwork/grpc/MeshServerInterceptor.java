package io.meshwork.grpc;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.meshwork.core.Deadline;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshContext;
import io.meshwork.core.Ticker;
import io.meshwork.core.inbound.InboundCall;
import io.meshwork.core.inbound.InboundGuard;
import io.meshwork.core.inbound.Refusal;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.SpiffeId;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;

/**
 * The server side of a mesh gRPC call, over the transport-agnostic {@link InboundGuard}:
 *
 * <ul>
 *   <li>the caller's deadline ({@code grpc-timeout}, which gRPC turns into the call's {@link
 *       io.grpc.Context} deadline) becomes the mesh deadline of the handler's context, so mesh
 *       calls the handler makes inherit it, through gRPC's context and the mesh's alike;
 *   <li>the trace context is extracted from the metadata with the mesh's propagators;
 *   <li>the caller's identity is the SPIFFE ID of the certificate it presented in the
 *       connection's TLS session ({@link Grpc#TRANSPORT_ATTR_SSL_SESSION}, verified by the mesh's
 *       trust manager during the handshake), and nothing else: metadata that claims an identity
 *       ({@code x-forwarded-client-cert}, ...) is never read. It goes into the handler's context
 *       ({@link MeshContext#callerIdentity}, set by the guard) and tags {@code
 *       mesh.server.requests} with the caller's service;
 *   <li>the guard's inbound rule ({@link InboundGuard}, the same for mesh-http) decides whether
 *       the call may reach its handler, and this maps its refusal ({@link Statuses#code}), with
 *       the refusal's message (naming the service and the rule) as the description: identity
 *       required (mode {@code strict} and no verified client identity: plaintext, or TLS without
 *       a client certificate on a connection opened before the mode changed, or a server without
 *       a {@link MeshTls}) → UNAVAILABLE; access denied ({@code server.allow}) → PERMISSION_DENIED;
 *       deadline passed by the time the call would be handled (it queued too long) →
 *       DEADLINE_EXCEEDED. A refused call is recorded as outcome {@code refused}, its kind as
 *       {@code error.type};
 *   <li>every callback of the handler runs inside the call's OpenTelemetry context;
 *   <li>{@code mesh.server.requests} is recorded when the call completes or is cancelled, its
 *       status tag the HTTP status that stands for the gRPC code the handler closed it with (200
 *       for OK, 503 for UNAVAILABLE, 504 for DEADLINE_EXCEEDED, 499 for CANCELLED, ...). A call
 *       the client cancelled (or whose connection closed) before it had the answer is outcome
 *       {@code cancelled}, status 499, even when the handler answered after; one whose deadline
 *       passed first is 504.
 * </ul>
 *
 * <p>The health service ({@code grpc.health.v1.Health}) passes through untouched: its watch
 * streams live as long as the connection and are not requests, and clients check health before
 * any call (the TLS handshake has already authenticated them in strict mode).
 *
 * <p>Cost per call, on top of the guard: with TLS, a map lookup in the session for the identity
 * (cached there by {@link MeshTls#peerIdentity}).
 *
 * <p>Installed by {@link MeshGrpc#server}, {@link MeshGrpc#serverBuilder} and {@link
 * MeshGrpc#configure}, outermost. Thread-safe.
 */
public final class MeshServerInterceptor implements ServerInterceptor {
  private static final String HEALTH_PREFIX = "grpc.health.v1.Health/";

  private final InboundGuard guard;
  private final Ticker ticker;

  MeshServerInterceptor(Mesh mesh) {
    this.guard = InboundGuard.create(mesh);
    this.ticker = mesh.ticker();
  }

  /**
   * Stops watching the service in the registry; calls still in flight keep the last snapshot.
   * {@link MeshServer} calls it on shutdown; an interceptor from {@link MeshGrpc#configure} or
   * {@link MeshGrpc#serverBuilder} watches for as long as the registry lives.
   */
  void close() {
    guard.close();
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    String name = call.getMethodDescriptor().getFullMethodName();
    if (name.startsWith(HEALTH_PREFIX)) return next.startCall(call, headers);

    io.grpc.Context grpcContext = io.grpc.Context.current();
    io.grpc.Deadline deadline = grpcContext.getDeadline();
    Context parent = Context.current();
    if (deadline != null) {
      parent = MeshContext.withDeadline(parent,
          Deadline.afterNanos(deadline.timeRemaining(TimeUnit.NANOSECONDS), ticker));
    }
    // The caller's identity comes from the TLS session alone, never from the metadata.
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    String caller = session == null ? null : MeshTls.peerIdentity(session).map(SpiffeId::toString).orElse(null);
    InboundCall in = guard.begin(new GrpcInboundRequest(name, headers, call, session != null, caller), parent);
    RpcSpans.describeServer(in.span(), call.getMethodDescriptor());

    Refusal refusal = in.refusal();
    if (refusal != null) {
      Status status = Statuses.of(refusal);
      in.status(Statuses.httpStatus(status.getCode()));
      RpcSpans.serverStatus(in.span(), status);
      try {
        call.close(status, new Metadata());
      } finally {
        in.close();
      }
      return new ServerCall.Listener<>() {};
    }

    // The call is recorded when the listener hears how it ended (onComplete, or onCancel when the
    // client cancelled or the deadline passed first), not when the handler closes it: a handler
    // may answer after the client has gone, and gRPC then delivers onCancel after that close.
    ServerCall<ReqT, RespT> recorded = new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        in.status(Statuses.httpStatus(status.getCode()));
        RpcSpans.serverStatus(in.span(), status);
        if (status.getCause() != null) in.failed(status.getCause());
        super.close(status, trailers);
      }
    };
    ServerCall.Listener<ReqT> delegate;
    try (Scope ignored = in.context().makeCurrent()) {
      delegate = next.startCall(recorded, headers);
    } catch (RuntimeException | Error e) {
      in.status(500);
      in.close();
      throw e;
    }
    return new InContext<>(delegate, in, grpcContext);
  }

  /**
   * Runs each callback inside the call's OpenTelemetry context; records the call when it ends:
   * complete with the status the handler closed it with, or cancelled.
   */
  private static final class InContext<ReqT> extends SimpleForwardingServerCallListener<ReqT> {
    private final InboundCall in;
    private final io.grpc.Context grpcContext;

    InContext(ServerCall.Listener<ReqT> delegate, InboundCall in, io.grpc.Context grpcContext) {
      super(delegate);
      this.in = in;
      this.grpcContext = grpcContext;
    }

    @Override
    public void onMessage(ReqT message) {
      try (Scope ignored = in.context().makeCurrent()) {
        super.onMessage(message);
      }
    }

    @Override
    public void onHalfClose() {
      try (Scope ignored = in.context().makeCurrent()) {
        super.onHalfClose();
      }
    }

    @Override
    public void onCancel() {
      // The deadline passed, or the caller went away (cancelled, or its connection closed),
      // before it had the answer: whatever the handler closed the call with, if it did, did not
      // reach it.
      io.grpc.Deadline d = grpcContext.getDeadline();
      boolean late = d != null && d.isExpired();
      if (late) {
        in.status(504);
      } else {
        in.cancelled();
      }
      RpcSpans.serverStatus(in.span(), late ? Status.DEADLINE_EXCEEDED : Status.CANCELLED);
      try (Scope ignored = in.context().makeCurrent()) {
        super.onCancel();
      } finally {
        in.close();
      }
    }

    @Override
    public void onComplete() {
      try (Scope ignored = in.context().makeCurrent()) {
        super.onComplete();
      } finally {
        in.close();
      }
    }

    @Override
    public void onReady() {
      try (Scope ignored = in.context().makeCurrent()) {
        super.onReady();
      }
    }
  }
}
