package io.meshwork.spring.boot.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.core.registry.Registry;
import io.meshwork.grpc.MeshGrpc;
import io.meshwork.grpc.MeshServer;
import io.meshwork.spring.boot.MeshAutoConfiguration;
import io.meshwork.spring.boot.MeshGrpcAutoConfiguration;
import io.meshwork.spring.boot.MeshGrpcChannelFactory;
import io.meshwork.spring.boot.MeshGrpcChannels;
import io.meshwork.spring.boot.grpc.GrpcFixtures.HelloService;
import io.meshwork.spring.boot.grpc.test.HelloGrpc;
import io.meshwork.spring.boot.grpc.test.HelloReply;
import io.meshwork.spring.boot.grpc.test.HelloRequest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.grpc.client.autoconfigure.CompositeChannelFactoryAutoConfiguration;
import org.springframework.boot.grpc.client.autoconfigure.GrpcClientAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.grpc.client.ChannelBuilderOptions;
import org.springframework.grpc.client.GlobalClientInterceptor;
import org.springframework.grpc.client.GrpcChannelFactory;

/**
 * Boot's gRPC client (spring-boot-grpc-client): its channel factory resolves {@code mesh:///greeter}
 * and a channel named {@code greeter} configured with that target through the mesh, and leaves
 * other targets to Boot's Netty factory.
 */
class MeshGrpcChannelFactoryTest {
  final InMemoryRegistry registry = InMemoryRegistry.create();
  final HelloService hello = new HelloService();

  ApplicationContextRunner client = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class, MeshGrpcAutoConfiguration.class,
          GrpcClientAutoConfiguration.class, CompositeChannelFactoryAutoConfiguration.class,
          SslAutoConfiguration.class))
      .withBean(Registry.class, () -> GrpcFixtures.shared(registry))
      .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
      .withPropertyValues("meshwork.service-name=frontend",
          "spring.grpc.client.channels.greeter.target=mesh:///greeter");

  @AfterEach
  void close() {
    registry.close();
  }

  @Test
  void bootsChannelsToMeshTargetsCallThroughTheMesh() {
    registry.putService(ServiceConfig.of("greeter"));
    try (Mesh serverMesh = Mesh.builder().serviceName("greeter").registry(GrpcFixtures.shared(registry)).build();
        MeshServer server = MeshGrpc.server(serverMesh).addService(hello).register(true).start()) {
      client.run(context -> {
        assertThat(context).hasNotFailed().hasSingleBean(MeshGrpcChannelFactory.class);
        GrpcChannelFactory factory = context.getBean(GrpcChannelFactory.class); // Boot's composite
        assertThat(factory).isNotInstanceOf(MeshGrpcChannelFactory.class);
        for (String target : new String[] {"mesh:///greeter", "greeter"}) {
          ManagedChannel channel = factory.createChannel(target);
          HelloReply reply = HelloGrpc.newBlockingStub(channel).sayHello(HelloRequest.newBuilder().setName(target).build());
          assertThat(reply.getDeadlineMillis()).isPositive(); // the mesh's deadline
        }
        assertThat(hello.names).containsExactly("mesh:///greeter", "greeter");
        assertThat(context.getBean(MeterRegistry.class).find("mesh.client.requests").tag("service", "greeter")
            .timers().stream().mapToLong(Timer::count).sum()).isEqualTo(2);
        // Other targets stay Boot's.
        assertThat(context.getBean(MeshGrpcChannelFactory.class).supports("static://127.0.0.1:9")).isFalse();
        assertThat(factory.supports("static://127.0.0.1:9")).isTrue();
      });
    }
  }

  @Test
  void globalClientInterceptorsRunOnMeshChannelsInSpringGrpcsOrder() {
    registry.putService(ServiceConfig.of("greeter"));
    List<String> seen = new CopyOnWriteArrayList<>();
    try (Mesh serverMesh = Mesh.builder().serviceName("greeter").registry(GrpcFixtures.shared(registry)).build();
        MeshServer server = MeshGrpc.server(serverMesh).addService(hello).register(true).start()) {
      client.withBean(Seen.class, () -> new Seen(seen)).withUserConfiguration(GlobalInterceptors.class).run(context -> {
        assertThat(context).hasNotFailed();
        GrpcChannelFactory factory = context.getBean(GrpcChannelFactory.class);
        HelloGrpc.newBlockingStub(factory.createChannel("greeter"))
            .sayHello(HelloRequest.newBuilder().setName("global").build());
        // Both global interceptors ran, the one ordered first first; then the per-channel one.
        assertThat(seen).containsExactly("first", "second");

        seen.clear();
        ClientInterceptor local = recording(seen, "local");
        HelloGrpc.newBlockingStub(factory.createChannel("mesh:///greeter",
            ChannelBuilderOptions.defaults().withInterceptors(List.of(local))))
            .sayHello(HelloRequest.newBuilder().setName("merged").build());
        assertThat(seen).containsExactlyInAnyOrder("first", "second", "local");

        seen.clear();
        HelloGrpc.newBlockingStub(factory.createChannel("greeter",
            ChannelBuilderOptions.defaults().withInterceptors(List.of(local)).withInterceptorsMerge(true)))
            .sayHello(HelloRequest.newBuilder().setName("merged").build());
        assertThat(seen).containsExactlyInAnyOrder("first", "second", "local");
        // @MeshClient stubs' channels (MeshGrpcChannels) come from the same factory.
        seen.clear();
        context.getBean(MeshGrpcChannels.class).stub(HelloGrpc.HelloBlockingStub.class, "greeter")
            .sayHello(HelloRequest.newBuilder().setName("stub").build());
        assertThat(seen).containsExactly("first", "second");
        assertThat(hello.names).containsExactly("global", "merged", "merged", "stub");
      });
    }
  }

  record Seen(List<String> names) {}

  /** Two global client interceptors, ordered; each records its name in the shared list. */
  @Configuration(proxyBeanMethods = false)
  static class GlobalInterceptors {
    @Bean
    @GlobalClientInterceptor
    @Order(2)
    ClientInterceptor second(Seen seen) {
      return recording(seen.names(), "second");
    }

    @Bean
    @GlobalClientInterceptor
    @Order(1)
    ClientInterceptor first(Seen seen) {
      return recording(seen.names(), "first");
    }
  }

  static ClientInterceptor recording(List<String> seen, String name) {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        seen.add(name);
        return next.newCall(method, options);
      }
    };
  }

  @Test
  void withoutBootsGrpcClientThereIsNoFactory() {
    client.withClassLoader(new FilteredClassLoader(GrpcChannelFactory.class)).run(context ->
        assertThat(context).hasNotFailed().doesNotHaveBean(MeshGrpcChannelFactory.class));
  }
}
