package io.meshwork.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.Mesh;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.core.registry.Registry;
import io.meshwork.http.MeshServletFilter;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

class MeshServletAutoConfigurationTest {
  final WebApplicationContextRunner web = new WebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class, MeshServletAutoConfiguration.class))
      .withUserConfiguration(OwnRegistry.class)
      .withPropertyValues("meshwork.service-name=greeter");

  @Test
  void aServletApplicationGetsTheFilterFirstInTheChain() {
    web.run(context -> {
      assertThat(context).hasBean("meshServletFilter");
      FilterRegistrationBean<?> registration = context.getBean("meshServletFilter", FilterRegistrationBean.class);
      assertThat(registration.getFilter()).isInstanceOf(MeshServletFilter.class);
      assertThat(registration.getOrder()).isEqualTo(Ordered.HIGHEST_PRECEDENCE);
    });
  }

  @Test
  void anApplicationThatIsNotAWebApplicationGetsNoFilter() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class, MeshServletAutoConfiguration.class))
        .withUserConfiguration(OwnRegistry.class)
        .withPropertyValues("meshwork.service-name=greeter")
        .run(context -> assertThat(context).hasSingleBean(Mesh.class).doesNotHaveBean("meshServletFilter"));
  }

  @Test
  void meshworkEnabledFalseRegistersNoFilter() {
    web.withPropertyValues("meshwork.enabled=false")
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("meshServletFilter"));
  }

  @Test
  void withoutMeshHttpTheMeshStillStartsWithoutTheFilter() {
    web.withClassLoader(new FilteredClassLoader(MeshServletFilter.class)).run(context -> assertThat(context)
        .hasNotFailed().hasSingleBean(Mesh.class).doesNotHaveBean("meshServletFilter"));
  }

  @Test
  void backsOffForTheApplicationsOwnRegistration() {
    web.withUserConfiguration(OwnFilter.class).run(context -> assertThat(context)
        .getBean("meshServletFilter", FilterRegistrationBean.class)
        .extracting(FilterRegistrationBean::getOrder).isEqualTo(10));
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnRegistry {
    @Bean
    Registry registry() {
      return InMemoryRegistry.create();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnFilter {
    @Bean
    FilterRegistrationBean<MeshServletFilter> meshServletFilter(Mesh mesh) {
      FilterRegistrationBean<MeshServletFilter> r = new FilterRegistrationBean<>(new MeshServletFilter(mesh));
      r.setOrder(10);
      return r;
    }
  }
}
