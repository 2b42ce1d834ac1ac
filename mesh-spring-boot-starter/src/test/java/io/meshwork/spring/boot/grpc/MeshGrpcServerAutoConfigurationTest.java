package io.meshwork.spring.boot.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.StreamObserver;
import io.meshwork.core.Deadline;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshContext;
import io.meshwork.core.Ticker;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.core.registry.Registry;
import io.meshwork.core.registry.ServiceSnapshot;
import io.meshwork.core.registry.Registration;
import io.meshwork.core.registry.ServiceListener;
import io.meshwork.core.registry.Watch;
import io.meshwork.core.model.Endpoint;
import io.meshwork.grpc.MeshGrpc;
import io.meshwork.spring.boot.MeshAutoConfiguration;
import io.meshwork.spring.boot.MeshClient;
import io.meshwork.spring.boot.MeshGrpcAutoConfiguration;
import io.meshwork.spring.boot.MeshGrpcChannels;
import io.meshwork.spring.boot.MeshGrpcServerAutoConfiguration;
import io.meshwork.spring.boot.MeshGrpcServerRegistration;
import io.meshwork.spring.boot.grpc.test.HelloGrpc;
import io.meshwork.spring.boot.grpc.test.HelloReply;
import io.meshwork.spring.boot.grpc.test.HelloRequest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.grpc.server.autoconfigure.GrpcServerAutoConfiguration;
import org.springframework.boot.grpc.server.autoconfigure.GrpcServerServicesAutoConfiguration;
import org.springframework.boot.grpc.server.autoconfigure.health.GrpcServerHealthAutoConfiguration;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.grpc.server.ServerBuilderCustomizer;

/**
 * Boot's gRPC server (spring-boot-grpc-server, shaded Netty, a random port) serving Hello with the
 * mesh's interceptor and registering itself in a shared {@link InMemoryRegistry}; a second context
 * that injects {@code @MeshClient("greeter")} stubs and calls it through the mesh.
 */
class MeshGrpcServerAutoConfigurationTest {
  final InMemoryRegistry registry = InMemoryRegistry.create();
  final GrpcFixtures.HelloService hello = new GrpcFixtures.HelloService();

  ApplicationContextRunner server = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class, MeshGrpcAutoConfiguration.class,
          MeshGrpcServerAutoConfiguration.class, GrpcServerAutoConfiguration.class,
          GrpcServerServicesAutoConfiguration.class, GrpcServerHealthAutoConfiguration.class,
          SslAutoConfiguration.class))
      .withBean(Registry.class, () -> GrpcFixtures.shared(registry))
      .withBean(GrpcFixtures.HelloService.class, () -> hello)
      .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
      .withPropertyValues("meshwork.service-name=greeter", "spring.grpc.server.port=0",
          "spring.grpc.server.address=127.0.0.1", "meshwork.server.withdraw-delay=0ms");

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
  void aMeshClientStubCallsBootsGrpcServerThroughTheMesh() {
    registry.putService(ServiceConfig.of("greeter"));
    server.run(greeter -> {
      assertThat(greeter).hasNotFailed();
      MeshGrpcServerRegistration registration = greeter.getBean(MeshGrpcServerRegistration.class);
      assertThat(registration.registration()).isNotNull();
      assertThat(registration.registration().endpoint().ports()).containsOnlyKeys("grpc");
      client.withUserConfiguration(GrpcFixtures.Frontend.class).run(frontend -> {
        assertThat(frontend).hasNotFailed();
        GrpcFixtures.Frontend f = frontend.getBean(GrpcFixtures.Frontend.class);
        HelloReply reply = f.byConstructor.sayHello(HelloRequest.newBuilder().setName("mesh").build());
        assertThat(reply.getMessage()).isEqualTo("hello mesh");
        // The mesh's deadline (the registry's default timeout) reached the handler's mesh context.
        assertThat(reply.getDeadlineMillis()).isPositive();
        f.byField.sayHello(HelloRequest.newBuilder().setName("field").build());
        frontend.getBean(GrpcFixtures.BeanMethodUser.class).stub().sayHello(HelloRequest.newBuilder().setName("bean").build());
        f.future.sayHello(HelloRequest.newBuilder().setName("future").build()).get();
        assertThat(hello.names).containsExactly("mesh", "field", "bean", "future");
        MeterRegistry meters = frontend.getBean(MeterRegistry.class);
        assertThat(meters.find("mesh.client.requests").tag("service", "greeter").timers().stream()
            .mapToLong(t -> t.count()).sum()).isEqualTo(4);
        ManagedChannel channel = frontend.getBean(MeshGrpcChannels.class).channel("greeter");
        assertThat(f.byConstructor.getChannel()).isSameAs(channel);
        assertThat(f.byField.getChannel()).isSameAs(channel);
      });
      // The mesh's server interceptor ran on Boot's server: it records every call.
      MeterRegistry serverMeters = greeter.getBean(MeterRegistry.class);
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(serverMeters
          .find("mesh.server.requests").timers().stream().mapToLong(t -> t.count()).sum()).isEqualTo(4));
    });
  }

  @Test
  void theAdvertisedHostIsTheProperty() {
    registry.putService(ServiceConfig.of("greeter"));
    server.withPropertyValues("meshwork.server.advertise-host=192.0.2.7").run(greeter ->
        assertThat(GrpcFixtures.endpoints(registry)).singleElement()
            .satisfies(e -> assertThat(e.address().host()).isEqualTo("192.0.2.7")));
  }

  @Test
  void theServerHasBootsHealthServiceAndWithdrawsItsPortWhenItsContextCloses() {
    registry.putService(ServiceConfig.of("greeter"));
    AtomicReference<ServiceSnapshot> latest = new AtomicReference<>();
    registry.watch("greeter", latest::set);
    server.run(greeter -> {
      assertThat(greeter).hasSingleBean(HealthStatusManager.class).hasBean("grpcServerHealthStatusManager");
      assertThat(latest.get().config().endpoints()).hasSize(1);
      client.run(frontend -> {
        HealthCheckResponse health = HealthGrpc.newBlockingStub(frontend.getBean(MeshGrpcChannels.class)
            .channel("greeter")).withDeadlineAfter(5, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance());
        assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
      });
    });
    assertThat(latest.get().config().endpoints()).isEmpty();
  }

  @Test
  void withoutBootsHealthTheMeshsHealthServiceIsInstalled() {
    registry.putService(ServiceConfig.of("greeter"));
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class, MeshGrpcServerAutoConfiguration.class,
            GrpcServerAutoConfiguration.class, GrpcServerServicesAutoConfiguration.class, SslAutoConfiguration.class))
        .withBean(Registry.class, () -> GrpcFixtures.shared(registry))
        .withBean(GrpcFixtures.HelloService.class, () -> hello)
        .withPropertyValues("meshwork.service-name=greeter", "spring.grpc.server.port=0",
            "spring.grpc.server.address=127.0.0.1", "meshwork.server.withdraw-delay=0ms")
        .run(greeter -> {
      assertThat(greeter).hasSingleBean(HealthStatusManager.class).hasBean("meshGrpcHealthStatusManager");
      client.run(frontend -> {
        HealthCheckResponse health = HealthGrpc.newBlockingStub(frontend.getBean(MeshGrpcChannels.class)
            .channel("greeter")).withDeadlineAfter(5, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance());
        assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
      });
    });
  }

  @Test
  void anApplicationWithoutGrpcServicesGetsNoHealthServiceAndRegistersNothing() {
    registry.putService(ServiceConfig.of("greeter"));
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class, MeshGrpcServerAutoConfiguration.class,
            GrpcServerAutoConfiguration.class, GrpcServerServicesAutoConfiguration.class,
            GrpcServerHealthAutoConfiguration.class, SslAutoConfiguration.class))
        .withBean(Registry.class, () -> GrpcFixtures.shared(registry))
        .withPropertyValues("meshwork.service-name=greeter", "spring.grpc.server.port=0")
        .run(context -> {
          assertThat(context).hasNotFailed().doesNotHaveBean(HealthStatusManager.class);
          assertThat(GrpcFixtures.endpoints(registry)).isEmpty();
        });
  }

  @Test
  void offWithMeshworkEnabledFalse() {
    server.withPropertyValues("meshwork.enabled=false").run(context -> assertThat(context)
        .doesNotHaveBean(MeshGrpcServerRegistration.class).doesNotHaveBean("meshGrpcServerCustomizer"));
  }

  @Test
  void withoutBootsGrpcServerNoServerBeansAreMade() {
    client.withConfiguration(AutoConfigurations.of(MeshGrpcServerAutoConfiguration.class))
        .withClassLoader(new FilteredClassLoader(ServerBuilderCustomizer.class)).run(context -> assertThat(context)
            .hasNotFailed().hasSingleBean(Mesh.class).hasSingleBean(MeshGrpcChannels.class)
            .doesNotHaveBean("meshGrpcServerCustomizer").doesNotHaveBean(MeshGrpcServerRegistration.class));
  }

  @Test
  void backsOffForTheApplicationsBeans() {
    registry.putService(ServiceConfig.of("greeter"));
    server.withUserConfiguration(OwnBeans.class).run(context -> assertThat(context).hasSingleBean(MeshGrpcServerRegistration.class).hasBean("ownRegistration"));
    server.withPropertyValues("meshwork.server.register=false").run(context -> {
      assertThat(context).hasNotFailed().doesNotHaveBean(MeshGrpcServerRegistration.class);
      assertThat(GrpcFixtures.endpoints(registry)).isEmpty();
    });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnBeans {
    @Bean
    MeshGrpcServerRegistration ownRegistration(Mesh mesh) {
      return new MeshGrpcServerRegistration(mesh, "192.0.2.1", Duration.ZERO);
    }
  }
}
