package io.meshwork.spring.boot;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.beans.factory.annotation.Autowired;

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
 *
 * <p><b>gRPC stubs.</b> On a field or a constructor (or {@code @Bean} method) parameter whose type
 * is a generated gRPC stub, it injects a stub on a mesh channel to the service ({@code
 * mesh:///greeter}, with the mesh's identity when it has one), with mesh-grpc on the class path:
 *
 * <pre>{@code
 * @Service
 * class Frontend {
 *   Frontend(@MeshClient("greeter") GreeterGrpc.GreeterBlockingStub greeter) { ... }
 * }
 * }</pre>
 *
 * <p>The stub comes from the generated class's own factory ({@code newBlockingStub}, {@code
 * newStub}, {@code newFutureStub}, ...: the public static method of the stub's enclosing class that
 * takes a {@code Channel} and returns the stub's type). The context keeps one channel per service
 * ({@link MeshGrpcChannels}) and shuts it down when it closes. The annotation is meta-annotated
 * with {@link Autowired}, so a field needs no other annotation.
 */
@Target({ElementType.TYPE, ElementType.FIELD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Autowired
public @interface MeshClient {
  /** The mesh service the interface or stub calls, e.g. {@code "greeter"}. */
  String value();
}
