package io.meshwork.spring.boot;

import io.meshwork.core.Deadline;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.aopalliance.intercept.MethodInterceptor;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.FactoryBean;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.support.RestClientAdapter;
import org.springframework.web.service.invoker.HttpServiceProxyFactory;

/**
 * Makes the bean of one {@link MeshClient} interface: an {@link HttpServiceProxyFactory} client
 * over a {@link RestClient} with base URL {@code http://<service>} and the mesh's request factory,
 * built from Boot's {@code RestClient.Builder} when the context has one. When methods carry
 * {@link Timeout}, the client is wrapped so that each such call runs under that deadline ({@link
 * MeshContext#withDeadline}, which the mesh reads when the call starts, on the calling thread).
 * Requests of methods with {@link Idempotent} carry the request attribute {@link
 * OkHttpClientHttpRequestFactory#IDEMPOTENT}, added by an {@code HttpRequestValues.Processor};
 * Spring copies request attributes to the {@code ClientHttpRequest} (through any interceptors of
 * the builder's), where the mesh's request factory turns it into mesh-http's OkHttp request tag.
 * No thread-local state is involved, so it holds on any thread the request runs on.
 */
final class MeshClientFactoryBean implements FactoryBean<Object>, BeanFactoryAware {
  private final Class<?> type;
  private final String service;
  /** Read when the factory is made, so that a bad value fails the start-up. */
  private final Map<Method, Duration> timeouts;
  private final Set<Method> idempotent;
  private BeanFactory beanFactory;

  MeshClientFactoryBean(Class<?> type, String service) {
    this.type = Objects.requireNonNull(type, "type");
    this.service = Objects.requireNonNull(service, "service");
    this.timeouts = timeouts(type);
    this.idempotent = idempotent(type);
  }

  @Override
  public void setBeanFactory(BeanFactory beanFactory) {
    this.beanFactory = beanFactory;
  }

  @Override
  public Object getObject() {
    OkHttpClientHttpRequestFactory requests = beanFactory.getBeanProvider(OkHttpClientHttpRequestFactory.class).getIfAvailable();
    if (requests == null) {
      throw new IllegalStateException("@MeshClient on " + type.getName() + ": no mesh HTTP client"
          + " (expected: meshwork.enabled not false, and mesh-http, OkHttp and spring-web on the class path)");
    }
    RestClient.Builder builder = beanFactory.getBeanProvider(RestClient.Builder.class).getIfAvailable(RestClient::builder);
    RestClient client = builder.baseUrl("http://" + service).requestFactory(requests).build();
    HttpServiceProxyFactory.Builder factory = HttpServiceProxyFactory.builderFor(RestClientAdapter.create(client));
    if (!idempotent.isEmpty()) {
      factory.httpRequestValuesProcessor((method, parameters, arguments, values) -> {
        if (idempotent.contains(method)) values.addAttribute(OkHttpClientHttpRequestFactory.IDEMPOTENT, Boolean.TRUE);
      });
    }
    Object proxy = factory.build().createClient(type);
    if (timeouts.isEmpty()) return proxy;
    Mesh mesh = beanFactory.getBean(Mesh.class);
    ProxyFactory withDeadlines = new ProxyFactory(proxy);
    withDeadlines.addInterface(type);
    withDeadlines.addAdvice((MethodInterceptor) invocation -> {
      Duration timeout = timeouts.get(invocation.getMethod());
      if (timeout == null) return invocation.proceed();
      Deadline deadline = Deadline.after(timeout, mesh.ticker());
      try (Scope ignored = MeshContext.withDeadline(Context.current(), deadline).makeCurrent()) {
        return invocation.proceed();
      }
    });
    return withDeadlines.getProxy(type.getClassLoader());
  }

  /** The {@link Timeout} of each method that has one; a bad value names the method. */
  static Map<Method, Duration> timeouts(Class<?> type) {
    Map<Method, Duration> timeouts = new HashMap<>();
    for (Method m : type.getMethods()) {
      Timeout t = m.getAnnotation(Timeout.class);
      if (t == null) continue;
      Duration d;
      try {
        d = DurationStyle.detectAndParse(t.value());
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException("@Timeout on " + type.getName() + "." + m.getName() + ": '"
            + t.value() + "' (expected: a positive duration such as 200ms or 2s)", e);
      }
      if (d.isNegative() || d.isZero()) {
        throw new IllegalStateException("@Timeout on " + type.getName() + "." + m.getName() + ": '"
            + t.value() + "' (expected: a positive duration such as 200ms or 2s)");
      }
      timeouts.put(m, d);
    }
    return timeouts;
  }

  /** The methods with {@link Idempotent}. */
  static Set<Method> idempotent(Class<?> type) {
    Set<Method> methods = new HashSet<>();
    for (Method m : type.getMethods()) {
      if (m.isAnnotationPresent(Idempotent.class)) methods.add(m);
    }
    return methods;
  }

  @Override
  public Class<?> getObjectType() {
    return type;
  }

  @Override
  public boolean isSingleton() {
    return true;
  }
}
