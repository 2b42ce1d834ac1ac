package io.meshwork.spring.boot;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Makes a Spring Framework 7 HTTP service interface (methods with {@code @GetExchange}, {@code
 * @PostExchange}, ...) a bean that calls the mesh service named here: its requests go to {@code
 * http://<service>/...} through the mesh's OkHttp client, so they are balanced, retried,
 * deadline-bound and traced by the registry's policy for that service.
 *
 * <pre>{@code
 * @MeshClient("greeter")
 * @HttpExchange("/greetings")
 * interface GreeterClient {
 *   @GetExchange("/{name}")
 *   String greet(@PathVariable String name);
 * }
 * }</pre>
 *
 * <p>Interfaces are found in the application's packages (those of its
 * {@code @SpringBootApplication}), as Spring Data finds repositories, or in the packages named by
 * {@link EnableMeshClients}. The bean is built from Boot's {@code RestClient.Builder} when there is
 * one, so its message converters and customizers apply. Methods may carry {@link Timeout}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface MeshClient {
  /** The mesh service the interface calls, e.g. {@code "greeter"}. */
  String value();
}
