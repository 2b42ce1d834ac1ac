package io.meshwork.grpc;

import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.Status;
import io.meshwork.core.Attempt;
import io.meshwork.core.Call;
import io.meshwork.core.Decision;
import io.meshwork.core.wire.AttemptHeader;

/**
 * The hand-off between the client interceptor and the picker for one gRPC stream (one try as the
 * interceptor sees it), carried in {@link CallOptions} under {@link #KEY}.
 *
 * <p>The interceptor puts the mesh {@link Call} in; the picker takes the call's next
 * {@link Attempt} (once: gRPC may ask a stream's pick again, e.g. after a new picker is published,
 * and gets the same attempt back); the stream tracer this factory makes records that the stream
 * reached a transport, so the request may have been sent; the interceptor reads all of it when
 * the stream closes and completes the attempt. When the picker itself had to complete the
 * attempt (its endpoint has no usable connection: nothing was sent), it leaves the engine's
 * {@link Decision} here for the interceptor to follow.
 *
 * <p>Threading: written by the picker (the caller's thread or the channel's), read by the
 * interceptor on the call executor; the fields are volatile. A stream is picked by one thread at
 * a time.
 */
final class AttemptSlot extends ClientStreamTracer.Factory {
  static final CallOptions.Key<AttemptSlot> KEY = CallOptions.Key.create("meshwork-attempt");
  static final Metadata.Key<String> ATTEMPT_HEADER = GrpcMeshRequest.key(AttemptHeader.NAME);

  final Call call;
  /** The attempt the picker took from the call; {@code null} until the first pick. */
  volatile Attempt attempt;
  /** Set when the stream was created on a transport: from then on the request may have left. */
  volatile boolean streamCreated;
  /** The engine's decision when the picker completed the attempt itself; else {@code null}. */
  volatile Decision pickDecision;
  /** The status the picker dropped the stream with. */
  volatile Status pickStatus;

  AttemptSlot(Call call) {
    this.call = call;
  }

  @Override
  public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
    return new Tracer();
  }

  /** Records the stream's creation and tells the server which attempt this is. */
  private final class Tracer extends ClientStreamTracer {
    @Override
    public void streamCreated(Attributes transportAttrs, Metadata headers) {
      streamCreated = true;
      Attempt a = attempt;
      if (a != null && a.number() > 1) {
        headers.put(ATTEMPT_HEADER, Integer.toString(a.number()));
      }
    }
  }
}
