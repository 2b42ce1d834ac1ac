package io.meshwork.spring.boot.grpc;

import static io.meshwork.spring.boot.grpc.GrpcFixtures.messages;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.stub.AbstractStub;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.core.registry.Registry;
import io.meshwork.grpc.MeshGrpc;
import io.meshwork.grpc.MeshServer;
import io.meshwork.spring.boot.MeshAutoConfiguration;
import io.meshwork.spring.boot.MeshClient;
import io.meshwork.spring.boot.MeshGrpcAutoConfiguration;
import io.meshwork.spring.boot.MeshGrpcChannels;
import io.meshwork.spring.boot.grpc.GrpcFixtures.BeanMethodUser;
import io.meshwork.spring.boot.grpc.GrpcFixtures.Frontend;
import io.meshwork.spring.boot.grpc.GrpcFixtures.HelloService;
import io.meshwork.spring.boot.grpc.test.HelloGrpc;
import io.meshwork.spring.boot.grpc.test.HelloReply;
import io.meshwork.spring.boot.grpc.test.HelloRequest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@code @MeshClient} gRPC stubs: injected on a mesh channel and calling a mesh-grpc server (a
 * real {@link MeshServer} on loopback, registered in a shared {@link InMemoryRegistry}).
 */
class MeshGrpcAutoConfigurationTest {
  final InMemoryRegistry registry = InMemoryRegistry.create();
  final HelloService hello = new HelloService();

  ApplicationContextRunner client = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class, MeshGrpcAutoConfiguration.class))
      .withBean(Registry.class, () -> GrpcFixtures.shared(registry))
      .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
      .withPropertyValues("meshwork.service-name=frontend");

  @AfterEach
  void close() {
    registry.close();
  }

  @Test
  void meshClientStubsCallTheirServiceThroughTheMesh() {
    registry.putService(ServiceConfig.of("greeter"));
    try (Mesh serverMesh = Mesh.builder().serviceName("greeter").registry(GrpcFixtures.shared(registry)).build();
        MeshServer server = MeshGrpc.server(serverMesh).addService(hello).register(true).start()) {
      client.withUserConfiguration(Frontend.class).run(frontend -> {
        assertThat(frontend).hasNotFailed();
        Frontend f = frontend.getBean(Frontend.class);
        HelloReply reply = f.byConstructor.sayHello(HelloRequest.newBuilder().setName("mesh").build());
        assertThat(reply.getMessage()).isEqualTo("hello mesh");
        assertThat(reply.getDeadlineMillis()).isPositive(); // the mesh's deadline crossed the hop
        f.byField.sayHello(HelloRequest.newBuilder().setName("field").build());
        frontend.getBean(BeanMethodUser.class).stub().sayHello(HelloRequest.newBuilder().setName("bean").build());
        f.future.sayHello(HelloRequest.newBuilder().setName("future").build()).get();
        assertThat(hello.names).containsExactly("mesh", "field", "bean", "future");
        assertThat(frontend.getBean(MeterRegistry.class).find("mesh.client.requests").tag("service", "greeter")
            .timers().stream().mapToLong(Timer::count).sum()).isEqualTo(4);
        ManagedChannel channel = frontend.getBean(MeshGrpcChannels.class).channel("greeter");
        assertThat(f.byConstructor.getChannel()).isSameAs(channel);
        assertThat(f.byField.getChannel()).isSameAs(channel);
      });
    }
  }

  @Test
  void channelsAreSharedPerServiceAndShutDownWithTheContext() {
    AtomicReference<ManagedChannel> channel = new AtomicReference<>();
    client.withUserConfiguration(Frontend.class).run(frontend -> {
      assertThat(frontend).hasNotFailed().hasSingleBean(MeshGrpcChannels.class);
      MeshGrpcChannels channels = frontend.getBean(MeshGrpcChannels.class);
      channel.set(channels.channel("greeter"));
      assertThat(channels.channel("greeter")).isSameAs(channel.get());
      assertThat(channels.channel("other")).isNotSameAs(channel.get());
    });
    assertThat(channel.get().isShutdown()).isTrue();
  }

  @Test
  void aBadServiceNameOrANonStubFailsStartUpNamingTheInjectionPoint() {
    client.withUserConfiguration(BadName.class).run(context -> assertThat(context).hasFailed()
        .getFailure().satisfies(e -> assertThat(messages(e)).contains(
            "@MeshClient on " + BadName.class.getName() + ".stub: service name: 'Bad_Name'")));
    client.withUserConfiguration(NotAStub.class).run(context -> assertThat(context).hasFailed()
        .getFailure().satisfies(e -> assertThat(messages(e)).contains("@MeshClient on " + NotAStub.class.getName()
            + ".stub: " + OwnStub.class.getName() + ": 0 static factory methods")));
  }

  @Test
  void offWithMeshworkEnabledFalse() {
    client.withPropertyValues("meshwork.enabled=false").run(context ->
        assertThat(context).hasNotFailed().doesNotHaveBean(MeshGrpcChannels.class).doesNotHaveBean(Mesh.class));
  }

  @Test
  void withoutGrpcOnTheClassPathTheMeshStillStarts() {
    client.withClassLoader(new FilteredClassLoader(MeshGrpc.class)).run(context -> assertThat(context)
        .hasNotFailed().hasSingleBean(Mesh.class).doesNotHaveBean(MeshGrpcChannels.class));
    client.withClassLoader(new FilteredClassLoader(AbstractStub.class)).run(context -> assertThat(context)
        .hasNotFailed().hasSingleBean(Mesh.class).doesNotHaveBean(MeshGrpcChannels.class));
  }

  @Test
  void backsOffForTheApplicationsChannels() {
    client.withUserConfiguration(OwnChannels.class).run(context ->
        assertThat(context).hasSingleBean(MeshGrpcChannels.class).hasBean("ownChannels"));
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnChannels {
    @Bean
    MeshGrpcChannels ownChannels(Mesh mesh) {
      return new MeshGrpcChannels(mesh);
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class BadName {
    @MeshClient("Bad_Name")
    HelloGrpc.HelloBlockingStub stub;
  }

  /** A stub class of the application's own, not generated: no factory method. */
  static final class OwnStub extends io.grpc.stub.AbstractBlockingStub<OwnStub> {
    OwnStub(io.grpc.Channel channel, io.grpc.CallOptions options) {
      super(channel, options);
    }

    @Override
    protected OwnStub build(io.grpc.Channel channel, io.grpc.CallOptions options) {
      return new OwnStub(channel, options);
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class NotAStub {
    @MeshClient("greeter")
    OwnStub stub;
  }
}
