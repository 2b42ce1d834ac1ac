package io.meshwork.spring.boot;

import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.stub.AbstractStub;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.grpc.MeshGrpc;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The context's mesh channels: one {@link MeshGrpc#channel(Mesh, String)} per service, made on
 * first use and shut down when the context closes ({@link #close()}). {@link MeshClient} stubs are
 * made on these channels. Thread-safe.
 */
public class MeshGrpcChannels implements AutoCloseable {
  private final Mesh mesh;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private volatile boolean closed;
  private volatile java.util.function.Function<String, ManagedChannel> channelMaker;

  public MeshGrpcChannels(Mesh mesh) {
    this.mesh = Objects.requireNonNull(mesh, "mesh");
    this.channelMaker = service -> MeshGrpc.channel(mesh, service);
  }

  /**
   * Makes the channels with {@code maker} instead of {@link MeshGrpc#channel(Mesh, String)}: with
   * Boot's gRPC client, {@link MeshGrpcChannelFactory}, so that {@link MeshClient} stubs get the
   * application's global client interceptors as Boot's own channels do. Set before the first
   * channel is made.
   */
  void useChannelMaker(java.util.function.Function<String, ManagedChannel> maker) {
    this.channelMaker = Objects.requireNonNull(maker, "maker");
  }

  Mesh mesh() {
    return mesh;
  }

  /**
   * The channel to {@code service} ({@code mesh:///service}).
   *
   * @throws IllegalArgumentException when {@code service} is not a valid service name
   * @throws IllegalStateException after {@link #close()}
   */
  public ManagedChannel channel(String service) {
    ServiceConfig.checkName(service);
    if (closed) throw new IllegalStateException("mesh channels: closed");
    return channels.computeIfAbsent(service, channelMaker);
  }

  /**
   * A stub of {@code type} (a generated stub class, such as {@code GreeterGrpc.GreeterBlockingStub})
   * on the channel to {@code service}, made by the generated factory method of its enclosing class.
   *
   * @throws IllegalArgumentException when {@code type} is not a generated stub, or {@code service}
   *     not a valid service name
   */
  public <S extends AbstractStub<S>> S stub(Class<S> type, String service) {
    Method factory = factory(type);
    ManagedChannel channel = channel(service);
    try {
      return type.cast(factory.invoke(null, channel));
    } catch (IllegalAccessException e) {
      throw new IllegalArgumentException(type.getName() + ": " + factory + " is not accessible", e);
    } catch (InvocationTargetException e) {
      throw new IllegalStateException(type.getName() + ": " + factory + " failed", e.getCause());
    }
  }

  /** The public static method of the stub's enclosing class that takes a Channel and returns the stub. */
  static Method factory(Class<?> type) {
    Class<?> grpc = type.getEnclosingClass();
    if (!AbstractStub.class.isAssignableFrom(type) || grpc == null) {
      throw new IllegalArgumentException(type.getName() + ": not a generated gRPC stub (expected: a class such as"
          + " GreeterGrpc.GreeterBlockingStub)");
    }
    List<Method> found = new ArrayList<>();
    for (Method m : grpc.getMethods()) {
      if (Modifier.isStatic(m.getModifiers()) && m.getReturnType() == type && m.getParameterCount() == 1
          && m.getParameterTypes()[0] == Channel.class) {
        found.add(m);
      }
    }
    if (found.size() != 1) {
      throw new IllegalArgumentException(type.getName() + ": " + found.size() + " static factory methods on "
          + grpc.getName() + " (expected: one, such as newBlockingStub(Channel))");
    }
    return found.get(0);
  }

  /** Shuts every channel down, waiting up to 5 s for calls in flight. */
  @Override
  public void close() {
    closed = true;
    for (ManagedChannel c : channels.values()) c.shutdown();
    try {
      for (ManagedChannel c : channels.values()) {
        if (!c.awaitTermination(5, TimeUnit.SECONDS)) c.shutdownNow();
      }
    } catch (InterruptedException e) {
      channels.values().forEach(ManagedChannel::shutdownNow);
      Thread.currentThread().interrupt();
    }
    channels.clear();
  }
}
