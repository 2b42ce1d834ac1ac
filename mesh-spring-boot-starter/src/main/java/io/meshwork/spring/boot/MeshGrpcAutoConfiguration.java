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
import org.springframework.context.annotation.Bean;

/**
 * gRPC clients on the mesh, with mesh-grpc on the class path: {@link MeshClient} fields and
 * parameters of a generated stub type get a stub on a mesh channel ({@link MeshGrpcChannels}, one
 * channel per service, shut down with the context).
 */
@AutoConfiguration(after = MeshAutoConfiguration.class)
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
}
