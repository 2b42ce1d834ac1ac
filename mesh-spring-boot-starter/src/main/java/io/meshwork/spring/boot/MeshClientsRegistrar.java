package io.meshwork.spring.boot;

import io.meshwork.core.model.ServiceConfig;
import java.beans.Introspector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.FactoryBean;
import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionBuilder;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.ResourceLoaderAware;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.util.ClassUtils;

/**
 * Registers a bean for every {@link MeshClient} interface in some packages: by default the
 * application's own ({@link AutoConfigurationPackages}, the package of its
 * {@code @SpringBootApplication}, as Boot's Spring Data support finds repositories), or those of
 * {@link EnableMeshClients}, which turns the default off.
 *
 * <p>Each bean is a {@link MeshClientFactoryBean} whose object type is set on its definition, so
 * injection by type works without creating it early. A bean of that name already defined (the
 * application's own) is left alone. The service name is checked here, so a bad one fails the
 * start-up naming the interface.
 */
abstract class MeshClientsRegistrar
    implements ImportBeanDefinitionRegistrar, EnvironmentAware, ResourceLoaderAware {
  /** Registered by {@link EnableMeshClients}, so that the default scan backs off. */
  static final class ExplicitScan {}

  private Environment environment;
  private ResourceLoader resourceLoader;

  @Override
  public void setEnvironment(Environment environment) {
    this.environment = environment;
  }

  @Override
  public void setResourceLoader(ResourceLoader resourceLoader) {
    this.resourceLoader = resourceLoader;
  }

  abstract List<String> packages(AnnotationMetadata importing, BeanDefinitionRegistry registry);

  @Override
  public void registerBeanDefinitions(AnnotationMetadata importing, BeanDefinitionRegistry registry) {
    ClassPathScanningCandidateComponentProvider scanner =
        new ClassPathScanningCandidateComponentProvider(false, environment) {
          @Override
          protected boolean isCandidateComponent(AnnotatedBeanDefinition definition) {
            return definition.getMetadata().isInterface() && definition.getMetadata().isIndependent();
          }
        };
    scanner.setResourceLoader(resourceLoader);
    scanner.addIncludeFilter(new AnnotationTypeFilter(MeshClient.class));
    for (String pkg : packages(importing, registry)) {
      for (BeanDefinition candidate : scanner.findCandidateComponents(pkg)) {
        register((AnnotatedBeanDefinition) candidate, registry);
      }
    }
  }

  private void register(AnnotatedBeanDefinition candidate, BeanDefinitionRegistry registry) {
    String className = candidate.getMetadata().getClassName();
    Map<String, Object> attributes = candidate.getMetadata().getAnnotationAttributes(MeshClient.class.getName());
    String service = (String) attributes.get("value");
    try {
      ServiceConfig.checkName(service);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("@MeshClient on " + className + ": " + e.getMessage(), e);
    }
    Class<?> type = ClassUtils.resolveClassName(className, resourceLoader.getClassLoader());
    AbstractBeanDefinition definition = BeanDefinitionBuilder.rootBeanDefinition(MeshClientFactoryBean.class)
        .addConstructorArgValue(type)
        .addConstructorArgValue(service)
        .getBeanDefinition();
    definition.setAttribute(FactoryBean.OBJECT_TYPE_ATTRIBUTE, type);
    String name = Introspector.decapitalize(ClassUtils.getShortName(className));
    if (registry.containsBeanDefinition(name)) name = className;
    if (!registry.containsBeanDefinition(name)) registry.registerBeanDefinition(name, definition);
  }

  /** The default: the application's packages. */
  static final class Auto extends MeshClientsRegistrar implements BeanFactoryAware {
    private BeanFactory beanFactory;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
      this.beanFactory = beanFactory;
    }

    @Override
    List<String> packages(AnnotationMetadata importing, BeanDefinitionRegistry registry) {
      return AutoConfigurationPackages.has(beanFactory) ? AutoConfigurationPackages.get(beanFactory) : List.of();
    }
  }

  /** {@link EnableMeshClients}'s packages. */
  static final class Explicit extends MeshClientsRegistrar {
    @Override
    List<String> packages(AnnotationMetadata importing, BeanDefinitionRegistry registry) {
      registry.registerBeanDefinition(ExplicitScan.class.getName(),
          BeanDefinitionBuilder.rootBeanDefinition(ExplicitScan.class).getBeanDefinition());
      Map<String, Object> attributes = importing.getAnnotationAttributes(EnableMeshClients.class.getName());
      List<String> packages = new ArrayList<>(List.of((String[]) attributes.get("value")));
      for (Class<?> c : (Class<?>[]) attributes.get("basePackageClasses")) packages.add(c.getPackageName());
      if (packages.isEmpty()) packages.add(ClassUtils.getPackageName(importing.getClassName()));
      return packages;
    }
  }
}
