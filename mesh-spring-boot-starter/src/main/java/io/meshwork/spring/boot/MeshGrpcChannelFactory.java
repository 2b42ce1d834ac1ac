package io.meshwork.spring.boot;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.meshwork.core.Mesh;
import io.meshwork.grpc.MeshGrpc;
import io.meshwork.grpc.MeshNameResolverProvider;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.springframework.context.ApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.grpc.client.ChannelBuilderOptions;
import org.springframework.grpc.client.ClientInterceptorsConfigurer;
import org.springframework.grpc.client.GrpcChannelBuilderCustomizer;
import org.springframework.grpc.client.GrpcChannelFactory;

/**
 * Boot's gRPC client channels (spring-boot-grpc-client) to mesh targets: a target {@code
 * mesh:///greeter}, or a channel name whose {@code spring.grpc.client.channels.<name>.target} is
 * one, becomes a {@link MeshGrpc#channelBuilder(Mesh, String)} channel (the mesh's name resolver,
 * load balancer, client interceptor and identity), with the options' interceptors and customizer
 * applied. Made with the application context, it also adds Spring gRPC's global client
 * interceptors (beans annotated {@code @GlobalClientInterceptor}), merged with the options'
 * interceptors and ordered exactly as Boot's own channel factories order them (Spring gRPC's
 * {@link ClientInterceptorsConfigurer}); they run before the mesh's interceptor, which is
 * innermost. Ordered first, so Boot's composite channel factory asks it before its Netty factory;
 * every other target is left to Boot. Channels are shut down when the context closes.
 */
public class MeshGrpcChannelFactory implements GrpcChannelFactory, Ordered, AutoCloseable {
  static final String PREFIX = MeshNameResolverProvider.SCHEME + ":";

  private final Mesh mesh;
  private final Environment environment;
  private final GlobalInterceptors globalInterceptors;
  private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();

  /** A factory that adds only the options' interceptors, none of the application's global ones. */
  public MeshGrpcChannelFactory(Mesh mesh, Environment environment) {
    this.mesh = Objects.requireNonNull(mesh, "mesh");
    this.environment = Objects.requireNonNull(environment, "environment");
    this.globalInterceptors = null;
  }

  /**
   * A factory that also adds the global client interceptors of {@code context} (its
   * {@code @GlobalClientInterceptor} beans, looked up when the first channel is made).
   */
  public MeshGrpcChannelFactory(Mesh mesh, Environment environment, ApplicationContext context) {
    this.mesh = Objects.requireNonNull(mesh, "mesh");
    this.environment = Objects.requireNonNull(environment, "environment");
    this.globalInterceptors = new GlobalInterceptors(Objects.requireNonNull(context, "context"));
  }

  /** Whether {@code target} is a mesh target, or names a channel configured with one. */
  @Override
  public boolean supports(String target) {
    return meshTarget(target) != null;
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public ManagedChannel createChannel(String target, ChannelBuilderOptions options) {
    String resolved = meshTarget(target);
    if (resolved == null) throw new IllegalArgumentException("target: " + target + " (expected: mesh:///<service>)");
    String service = service(resolved);
    ManagedChannelBuilder builder = MeshGrpc.channelBuilder(mesh, service);
    if (globalInterceptors != null) {
      globalInterceptors.configure(builder, options, this);
    } else {
      List<ClientInterceptor> interceptors = options.interceptors();
      if (!interceptors.isEmpty()) builder.intercept(interceptors);
    }
    GrpcChannelBuilderCustomizer customizer = options.customizer();
    customizer.customize(target, builder);
    ManagedChannel channel = builder.build();
    channels.add(channel);
    return channel;
  }

  private String meshTarget(String target) {
    if (target == null) return null;
    if (target.startsWith(PREFIX)) return target;
    String configured = environment.getProperty("spring.grpc.client.channels." + target + ".target");
    return configured != null && configured.startsWith(PREFIX) ? configured : null;
  }

  /** The service of {@code mesh:///service} (or {@code mesh:service}). */
  static String service(String target) {
    URI uri = URI.create(target);
    String path = uri.getPath();
    String service = path != null && path.startsWith("/") ? path.substring(1) : uri.getSchemeSpecificPart();
    if (service == null || service.isEmpty()) {
      throw new IllegalArgumentException("target: " + target + " (expected: mesh:///<service>)");
    }
    return service;
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }

  /** Shuts the channels down, waiting up to 5 s for calls in flight. */
  @Override
  public void close() {
    channels.forEach(ManagedChannel::shutdown);
    try {
      for (ManagedChannel c : channels) {
        if (!c.awaitTermination(5, TimeUnit.SECONDS)) c.shutdownNow();
      }
    } catch (InterruptedException e) {
      channels.forEach(ManagedChannel::shutdownNow);
      Thread.currentThread().interrupt();
    }
    channels.clear();
  }

  /**
   * Spring gRPC's own merging and ordering of global and per-channel interceptors, reached
   * through its protected hook; the global ones are looked up once, on the first channel.
   */
  private static final class GlobalInterceptors extends ClientInterceptorsConfigurer {
    private boolean found;

    GlobalInterceptors(ApplicationContext context) {
      super(context);
    }

    synchronized void configure(ManagedChannelBuilder<?> builder, ChannelBuilderOptions options,
        GrpcChannelFactory factory) {
      if (!found) {
        afterPropertiesSet();
        found = true;
      }
      configureInterceptors(builder, options.interceptors(), options.mergeWithGlobalInterceptors(), factory);
    }
  }
}
