package io.meshwork.spring.boot;

import io.grpc.stub.AbstractStub;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.BeanDefinitionHolder;
import org.springframework.beans.factory.config.DependencyDescriptor;
import org.springframework.beans.factory.support.AutowireCandidateResolver;

/**
 * Resolves a {@link MeshClient} field or parameter whose type is a gRPC stub to a stub on the
 * context's mesh channel ({@link MeshGrpcChannels}), the way Spring resolves {@code @Value}: as a
 * suggested value, before any bean of that type is looked for. Everything else goes to the
 * resolver it wraps (Spring's own, with qualifiers, {@code @Value} and {@code @Lazy}).
 */
final class MeshStubAutowireCandidateResolver implements AutowireCandidateResolver {
  private final AutowireCandidateResolver delegate;
  private final BeanFactory beanFactory;

  MeshStubAutowireCandidateResolver(AutowireCandidateResolver delegate, BeanFactory beanFactory) {
    this.delegate = delegate;
    this.beanFactory = beanFactory;
  }

  @Override
  public Object getSuggestedValue(DependencyDescriptor descriptor) {
    Class<?> type = descriptor.getDependencyType();
    if (AbstractStub.class.isAssignableFrom(type)) {
      MeshClient annotation = descriptor.getAnnotation(MeshClient.class);
      if (annotation != null) return stub(type, annotation.value(), descriptor);
    }
    return delegate.getSuggestedValue(descriptor);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private Object stub(Class<?> type, String service, DependencyDescriptor descriptor) {
    try {
      return beanFactory.getBean(MeshGrpcChannels.class).stub((Class) type, service);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("@MeshClient on " + where(descriptor) + ": " + e.getMessage(), e);
    }
  }

  private static String where(DependencyDescriptor d) {
    if (d.getField() != null) return d.getField().getDeclaringClass().getName() + "." + d.getField().getName();
    var p = d.getMethodParameter();
    return p.getDeclaringClass().getName() + "." + p.getExecutable().getName() + " parameter " + p.getParameterIndex();
  }

  @Override
  public boolean isAutowireCandidate(BeanDefinitionHolder bdHolder, DependencyDescriptor descriptor) {
    return delegate.isAutowireCandidate(bdHolder, descriptor);
  }

  @Override
  public boolean isRequired(DependencyDescriptor descriptor) {
    return delegate.isRequired(descriptor);
  }

  @Override
  public String getSuggestedName(DependencyDescriptor descriptor) {
    return delegate.getSuggestedName(descriptor);
  }

  @Override
  public boolean hasQualifier(DependencyDescriptor descriptor) {
    return delegate.hasQualifier(descriptor);
  }

  @Override
  public Object getLazyResolutionProxyIfNecessary(DependencyDescriptor descriptor, String beanName) {
    return delegate.getLazyResolutionProxyIfNecessary(descriptor, beanName);
  }

  @Override
  public Class<?> getLazyResolutionProxyClass(DependencyDescriptor descriptor, String beanName) {
    return delegate.getLazyResolutionProxyClass(descriptor, beanName);
  }

  @Override
  public AutowireCandidateResolver cloneIfNecessary() {
    return new MeshStubAutowireCandidateResolver(delegate.cloneIfNecessary(), beanFactory);
  }
}
