package io.meshwork.grpc;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
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
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.concurrent.TimeUnit;

/**
 * The server side of a mesh gRPC call, over the transport-agnostic {@link InboundGuard}:
 *
 * <ul>
 *   <li>the caller's deadline ({@code grpc-timeout}, which gRPC turns into the call's {@link
 *       io.grpc.Context} deadline) becomes the mesh deadline of the handler's context, so mesh
 *       calls the handler makes inherit it, through gRPC's context and the mesh's alike;
 *   <li>the trace context is extracted from the metadata with the mesh's propagators;
 *   <li>a call whose deadline has passed by the time it would be handled (it queued too long) is
 *       refused with DEADLINE_EXCEEDED before the handler runs;
 *   <li>every callback of the handler runs inside the call's OpenTelemetry context;
 *   <li>{@code mesh.server.requests} is recorded when the call closes or is cancelled, its status
 *       tag the HTTP status that stands for the gRPC code (200 for OK, 503 for UNAVAILABLE, 504
 *       for DEADLINE_EXCEEDED, 499 for CANCELLED, ...).
 * </ul>
 *
 * <p>The health service ({@code grpc.health.v1.Health}) passes through untouched: its watch
 * streams live as long as the connection and are not requests.
 *
 * <p>Installed by {@link MeshGrpc#server} and {@link MeshGrpc#configure}, outermost. Thread-safe.
 */
public final class MeshServerInterceptor implements ServerInterceptor {
  private static final String HEALTH_PREFIX = "grpc.health.v1.Health/";

  private final InboundGuard guard;
  private final Ticker ticker;

  MeshServerInterceptor(Mesh mesh) {
    this.guard = InboundGuard.create(mesh);
    this.ticker = mesh.ticker();
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
    InboundCall in = guard.begin(new GrpcInboundRequest(name, headers, call), parent);
    RpcSpans.describeServer(in.span(), call.getMethodDescriptor());
    if (in.refused() || (deadline != null && deadline.isExpired())) {
      in.status(504);
      Status refusal = Status.DEADLINE_EXCEEDED.withDescription(guard.service()
          + ": deadline exceeded before " + name + " was handled");
      RpcSpans.serverStatus(in.span(), refusal);
      try {
        call.close(refusal, new Metadata());
      } finally {
        in.close();
      }
      return new ServerCall.Listener<>() {};
    }

    ServerCall<ReqT, RespT> recorded = new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        in.status(Statuses.httpStatus(status.getCode()));
        RpcSpans.serverStatus(in.span(), status);
        if (status.getCause() != null) in.failed(status.getCause());
        try {
          super.close(status, trailers);
        } finally {
          in.close();
        }
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

  /** Runs each callback inside the call's OpenTelemetry context; records a cancelled call. */
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
      // The caller went away or the deadline passed before the handler answered.
      io.grpc.Deadline d = grpcContext.getDeadline();
      boolean late = d != null && d.isExpired();
      in.status(late ? 504 : 499);
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
