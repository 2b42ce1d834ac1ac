package io.meshwork.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshContext;
import io.meshwork.core.model.Address;
import io.meshwork.tls.MeshTls;
import io.meshwork.grpc.test.CountReply;
import io.meshwork.grpc.test.CountRequest;
import io.meshwork.grpc.test.GreeterGrpc;
import io.meshwork.grpc.test.HelloReply;
import io.meshwork.grpc.test.HelloRequest;
import io.opentelemetry.api.trace.Span;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * A Greeter server on loopback, through the mesh's server side, whose behaviour tests change
 * while it runs: a delay, a failure status, a hook that replaces the handler. It remembers what
 * the last call brought (metadata, deadlines, trace id, caller).
 */
final class Backend implements AutoCloseable {
  final AtomicInteger hellos = new AtomicInteger();
  final AtomicInteger registers = new AtomicInteger();
  final AtomicInteger counts = new AtomicInteger();
  /** {@code grpc.health.v1.Health/Check} calls that reached this server (warm-up probes). */
  final AtomicInteger healthChecks = new AtomicInteger();
  volatile Duration delay = Duration.ZERO;
  /** Extra time Register takes (it shares the executor with SayHello). */
  volatile Duration registerDelay = Duration.ZERO;
  /** Count calls that fail with UNAVAILABLE before any message, from the first. */
  final AtomicInteger failFirstCounts = new AtomicInteger();
  /** What the last SayHello saw on entry: gRPC deadline, mesh deadline (ms left, -1 none), trace id. */
  volatile long lastGrpcDeadlineMillis = -2;
  volatile long lastMeshDeadlineMillis = -2;
  volatile String lastTraceId;
  /** The caller identity SayHello's mesh context held on entry ("" for none). */
  volatile String lastCaller;
  /** The metadata of the last Greeter call (not health checks), as it arrived. */
  volatile Metadata lastHeaders;
  /** When set, SayHello and Register fail with it. */
  volatile Status failWith;
  /** When set, Count sends this many messages, then fails with {@link #failWith}, or else UNAVAILABLE. */
  volatile int countFailAfter = -1;
  /** When set, SayHello answers with what it returns instead. */
  final AtomicReference<Function<HelloRequest, HelloReply>> hook = new AtomicReference<>();
  final MeshServer server;

  private Backend(Mesh mesh, Executor executor, MeshTls tls) {
    this(mesh, executor, tls, false);
  }

  private Backend(Mesh mesh, Executor executor, MeshTls tls, boolean register) {
    MeshServer.Builder b = MeshGrpc.server(mesh).addService(new Impl());
    b.intercept(new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (GreeterGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) lastHeaders = headers;
        if ("grpc.health.v1.Health/Check".equals(call.getMethodDescriptor().getFullMethodName())) healthChecks.incrementAndGet();
        return next.startCall(call, headers);
      }
    });
    if (executor != null) b.executor(executor);
    if (tls != null) b.tls(tls);
    this.server = b.register(register).start();
  }

  static Backend start(Mesh mesh) {
    return new Backend(mesh, null, null);
  }

  /** A backend that registers itself as an endpoint of {@code mesh}'s service (its port named grpc). */
  static Backend startRegistered(Mesh mesh) {
    return new Backend(mesh, null, null, true);
  }

  static Backend start(Mesh mesh, Executor executor) {
    return new Backend(mesh, executor, null);
  }

  /** A backend that speaks mutual TLS as {@code tls}'s workload, as the registry's mode says. */
  static Backend start(Mesh mesh, MeshTls tls) {
    return new Backend(mesh, null, tls);
  }

  int port() {
    return server.port();
  }

  Address address() {
    return new Address("127.0.0.1", port());
  }

  @Override
  public void close() {
    server.shutdownNow();
  }

  private void pause() {
    sleep(delay);
  }

  private static void sleep(Duration d) {
    long ms = d.toMillis();
    if (ms <= 0) return;
    try {
      TimeUnit.MILLISECONDS.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private HelloReply reply(HelloRequest request) {
    io.grpc.Deadline d = io.grpc.Context.current().getDeadline();
    String trace = Span.current().getSpanContext().isValid() ? Span.current().getSpanContext().getTraceId() : "";
    return HelloReply.newBuilder()
        .setMessage("hello " + request.getName())
        .setServerPort(port())
        .setDeadlineMillis(d == null ? -1 : d.timeRemaining(TimeUnit.MILLISECONDS))
        .setTraceId(trace)
        .build();
  }

  private final class Impl extends GreeterGrpc.GreeterImplBase {
    @Override
    public void sayHello(HelloRequest request, StreamObserver<HelloReply> out) {
      hellos.incrementAndGet();
      io.grpc.Deadline d = io.grpc.Context.current().getDeadline();
      lastGrpcDeadlineMillis = d == null ? -1 : d.timeRemaining(TimeUnit.MILLISECONDS);
      io.meshwork.core.Deadline md = MeshContext.currentDeadline();
      lastMeshDeadlineMillis = md == null ? -1 : md.remainingMillis(io.meshwork.core.Ticker.system());
      lastTraceId = Span.current().getSpanContext().isValid() ? Span.current().getSpanContext().getTraceId() : "";
      String caller = MeshContext.callerIdentity(io.opentelemetry.context.Context.current());
      lastCaller = caller == null ? "" : caller;
      answer(request, out);
    }

    @Override
    public void register(HelloRequest request, StreamObserver<HelloReply> out) {
      registers.incrementAndGet();
      sleep(registerDelay);
      answer(request, out);
    }

    private void answer(HelloRequest request, StreamObserver<HelloReply> out) {
      pause();
      Status fail = failWith;
      if (fail != null) {
        out.onError(fail.asRuntimeException());
        return;
      }
      Function<HelloRequest, HelloReply> h = hook.get();
      try {
        out.onNext(h != null ? h.apply(request) : reply(request));
        out.onCompleted();
      } catch (RuntimeException e) {
        out.onError(Status.fromThrowable(e).asRuntimeException());
      }
    }

    @Override
    public void count(CountRequest request, StreamObserver<CountReply> out) {
      counts.incrementAndGet();
      pause();
      if (failFirstCounts.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        out.onError(Status.UNAVAILABLE.withDescription("refused before any message").asRuntimeException());
        return;
      }
      int failAfter = countFailAfter;
      for (int i = 1; i <= request.getCount(); i++) {
        if (failAfter >= 0 && i > failAfter) {
          Status fail = failWith;
          out.onError((fail != null ? fail : Status.UNAVAILABLE.withDescription("failing after " + failAfter)).asRuntimeException());
          return;
        }
        out.onNext(CountReply.newBuilder().setN(i).setServerPort(port()).build());
      }
      if (failAfter >= 0 && failAfter >= request.getCount()) {
        Status fail = failWith;
        out.onError((fail != null ? fail : Status.UNAVAILABLE).asRuntimeException());
        return;
      }
      out.onCompleted();
    }
  }
}
