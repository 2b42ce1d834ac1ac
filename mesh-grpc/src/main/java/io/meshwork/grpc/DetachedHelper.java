package io.meshwork.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.LoadBalancer;
import io.grpc.MethodDescriptor;
import io.grpc.util.ForwardingLoadBalancerHelper;
import io.grpc.util.ForwardingSubchannel;

/**
 * Makes the calls a balancer starts on its own behalf (the health checks' {@code Watch} streams)
 * independent of whatever gRPC {@link Context} the starting thread happens to have.
 *
 * <p>Why: the channel's synchronization context runs queued work on whichever thread drains it,
 * often an application thread making a call, and on a mesh server that thread is handling a
 * request, with the request's context attached. A health-check stream started there inherits
 * that context and is cancelled when the request ends, which marks a healthy server
 * TRANSIENT_FAILURE. Calls on these subchannels are therefore created under {@link
 * Context#ROOT}.
 */
final class DetachedHelper extends ForwardingLoadBalancerHelper {
  private final LoadBalancer.Helper delegate;

  DetachedHelper(LoadBalancer.Helper delegate) {
    this.delegate = delegate;
  }

  @Override
  protected LoadBalancer.Helper delegate() {
    return delegate;
  }

  @Override
  public LoadBalancer.Subchannel createSubchannel(LoadBalancer.CreateSubchannelArgs args) {
    return new Detached(super.createSubchannel(args));
  }

  private static final class Detached extends ForwardingSubchannel {
    private final LoadBalancer.Subchannel delegate;

    Detached(LoadBalancer.Subchannel delegate) {
      this.delegate = delegate;
    }

    @Override
    protected LoadBalancer.Subchannel delegate() {
      return delegate;
    }

    @Override
    public Channel asChannel() {
      Channel channel = delegate.asChannel();
      return new Channel() {
        @Override
        public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(
            MethodDescriptor<ReqT, RespT> method, CallOptions options) {
          Context previous = Context.ROOT.attach();
          try {
            return channel.newCall(method, options);
          } finally {
            Context.ROOT.detach(previous);
          }
        }

        @Override
        public String authority() {
          return channel.authority();
        }
      };
    }
  }
}
