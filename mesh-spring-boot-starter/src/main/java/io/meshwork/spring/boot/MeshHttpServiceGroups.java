package io.meshwork.spring.boot;

import io.meshwork.core.Deadline;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshContext;
import io.meshwork.core.model.ServiceConfig;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.support.RestClientHttpServiceGroupConfigurer;
import org.springframework.web.service.registry.HttpServiceGroup;

/**
 * Makes Spring Framework 7 HTTP service groups ({@code @ImportHttpServices(group = "greeter",
 * types = ...)}) mesh clients: a group is the mesh's when its name is a valid mesh service name,
 * it is not the default group, and the application gave it no base URL ({@code
 * spring.http.serviceclient.<group>.base-url}). Its {@code RestClient} then gets base URL {@code
 * http://<group>} and the mesh's request factory, and the methods of its interfaces get {@link
 * Idempotent} and {@link Timeout} as on {@link MeshClient} interfaces. Any other group is left
 * as the application and Boot configured it.
 *
 * <p>The rule depends on names and properties only, not on what the registry holds at start-up,
 * so a client starts the same whether or not its service has registered yet. Runs after Boot's
 * configurers, so that its request factory is the one the group uses.
 */
final class MeshHttpServiceGroups implements RestClientHttpServiceGroupConfigurer {
  /** The request attribute that carries a {@link Timeout} to the deadline interceptor. */
  static final String TIMEOUT = "io.meshwork.spring.Timeout";
  static final String BASE_URL = "spring.http.serviceclient.%s.base-url";

  private final Mesh mesh;
  private final OkHttpClientHttpRequestFactory requests;
  private final Environment environment;

  MeshHttpServiceGroups(Mesh mesh, OkHttpClientHttpRequestFactory requests, Environment environment) {
    this.mesh = mesh;
    this.requests = requests;
    this.environment = environment;
  }

  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }

  @Override
  public void configureGroups(Groups<RestClient.Builder> groups) {
    groups.filter(this::isMeshGroup).forEachGroup((group, client, proxies) -> {
      Map<Method, Duration> timeouts = new HashMap<>();
      Set<Method> idempotent = new HashSet<>();
      for (Class<?> type : group.httpServiceTypes()) {
        timeouts.putAll(MeshClientFactoryBean.timeouts(type));
        idempotent.addAll(MeshClientFactoryBean.idempotent(type));
      }
      client.baseUrl("http://" + group.name()).requestFactory(requests);
      if (!timeouts.isEmpty()) client.requestInterceptor(deadlines());
      if (!timeouts.isEmpty() || !idempotent.isEmpty()) {
        proxies.httpRequestValuesProcessor((method, parameters, arguments, values) -> {
          if (idempotent.contains(method)) values.addAttribute(OkHttpClientHttpRequestFactory.IDEMPOTENT, Boolean.TRUE);
          Duration timeout = timeouts.get(method);
          if (timeout != null) values.addAttribute(TIMEOUT, timeout);
        });
      }
    });
  }

  /** Whether {@code group} is a mesh service's: see the class comment. */
  boolean isMeshGroup(HttpServiceGroup group) {
    String name = group.name();
    if (HttpServiceGroup.DEFAULT_GROUP_NAME.equals(name)) return false;
    try {
      ServiceConfig.checkName(name);
    } catch (IllegalArgumentException e) {
      return false;
    }
    try {
      return !Binder.get(environment).bind(BASE_URL.formatted(name), String.class).isBound();
    } catch (RuntimeException e) {
      return false; // a name that is no property name cannot have been given a base URL either
    }
  }

  /**
   * Runs the request of a method with {@link Timeout} under that deadline: the interceptor runs on
   * the calling thread, where the mesh reads the deadline when the call starts.
   */
  private ClientHttpRequestInterceptor deadlines() {
    return (request, body, execution) -> {
      if (!(request.getAttributes().get(TIMEOUT) instanceof Duration timeout)) return execution.execute(request, body);
      Deadline deadline = Deadline.after(timeout, mesh.ticker());
      try (Scope ignored = MeshContext.withDeadline(Context.current(), deadline).makeCurrent()) {
        return execution.execute(request, body);
      }
    };
  }
}
