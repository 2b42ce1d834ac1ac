package io.meshwork.spring.boot;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks one method of a {@link MeshClient} interface as safe to send twice, e.g. a {@code
 * @PostExchange} that the server deduplicates by an idempotency key: the mesh may then retry it
 * after it reached a server (a reset connection, a 503 with the default {@code retries.on}), as it
 * retries a GET, under the retry budget and the deadline. Without it, a POST or PATCH is retried
 * only when it provably never left (a refused connection).
 *
 * <p>The request carries the {@link OkHttpClientHttpRequestFactory#IDEMPOTENT} request attribute,
 * which the mesh's request factory turns into mesh-http's {@code Idempotent} OkHttp request tag. A
 * body Spring cannot write again (a stream) is still never sent twice. On methods that are
 * idempotent by their HTTP method (GET, PUT, DELETE, ...) it changes nothing.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Idempotent {}
