package io.meshwork.spring.boot;

import io.grpc.stub.AbstractStub;
import io.meshwork.core.Mesh;
import io.meshwork.grpc.MeshGrpc;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.grpc.client.GrpcChannelFactory;

/**
 * gRPC clients on the mesh, with mesh-grpc on the class path: {@link MeshClient} fields and
 * parameters of a generated stub type get a stub on a mesh channel ({@link MeshGrpcChannels}, one
 * channel per service, shut down with the context); with spring-boot-grpc-client, Boot's channels
 * to {@code mesh:///<service>} targets are mesh channels ({@link MeshGrpcChannelFactory}).
 */
// After Boot's client factory (which backs off for any other), before the composite over both.
@AutoConfiguration(after = MeshAutoConfiguration.class,
    afterName = "org.springframework.boot.grpc.client.autoconfigure.GrpcClientAutoConfiguration",
    beforeName = "org.springframework.boot.grpc.client.autoconfigure.CompositeChannelFactoryAutoConfiguration")
@ConditionalOnClass({MeshGrpc.class, AbstractStub.class})
@ConditionalOnBean(Mesh.class)
public class MeshGrpcAutoConfiguration {

  /** The context's mesh channels, closed with it. */
  @Bean
  @ConditionalOnMissingBean
  public MeshGrpcChannels meshGrpcChannels(Mesh mesh) {
    return new MeshGrpcChannels(mesh);
  }

  /**
   * Installs the resolver of {@link MeshClient} stubs in the bean factory, around Spring's own,
   * before any bean is made.
   */
  @Bean
  static BeanFactoryPostProcessor meshGrpcStubResolver() {
    return beanFactory -> {
      if (beanFactory instanceof DefaultListableBeanFactory bf
          && !(bf.getAutowireCandidateResolver() instanceof MeshStubAutowireCandidateResolver)) {
        bf.setAutowireCandidateResolver(new MeshStubAutowireCandidateResolver(bf.getAutowireCandidateResolver(), bf));
      }
    };
  }

  /** Boot's gRPC client: mesh targets through the mesh. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(GrpcChannelFactory.class)
  static class BootClientConfiguration {
    /**
     * Creates Boot's channels to {@code mesh:} targets, with the application's global client
     * interceptors; ordered before Boot's own factory.
     */
    /**
     * {@link MeshClient} stubs' channels made by the factory below (looked up on the first
     * channel), so the application's global client interceptors run on them too.
     */
    @Bean
    static org.springframework.beans.factory.config.BeanPostProcessor meshGrpcChannelsThroughBootsFactory(
        org.springframework.beans.factory.ObjectProvider<MeshGrpcChannelFactory> factory) {
      return new org.springframework.beans.factory.config.BeanPostProcessor() {
        @Override
        public Object postProcessAfterInitialization(Object bean, String beanName) {
          if (bean instanceof MeshGrpcChannels channels) {
            channels.useChannelMaker(service -> {
              MeshGrpcChannelFactory f = factory.getIfAvailable();
              return f != null
                  ? f.createChannel(MeshGrpcChannelFactory.PREFIX + "///" + service,
                      org.springframework.grpc.client.ChannelBuilderOptions.defaults())
                  : io.meshwork.grpc.MeshGrpc.channel(channels.mesh(), service);
            });
          }
          return bean;
        }
      };
    }

    @Bean
    @ConditionalOnMissingBean
    MeshGrpcChannelFactory meshGrpcChannelFactory(Mesh mesh, Environment environment, ApplicationContext context) {
      return new MeshGrpcChannelFactory(mesh, environment, context);
    }
  }
}
