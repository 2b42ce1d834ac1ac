package io.meshwork.spring.boot;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A deadline for each call of one method of a {@link MeshClient} interface, e.g. {@code
 * @Timeout("200ms")}: the call, retries included, must end within it. It can only tighten: the
 * mesh applies the sooner of this, the deadline the caller already runs under (an inbound
 * request's) and the registry's timeout for the service. Units as in Boot's durations: {@code ns},
 * {@code us}, {@code ms}, {@code s}, {@code m}, {@code h}, {@code d}, or ISO-8601 ({@code PT0.2S}).
 * A value that does not parse fails the start-up, naming the method.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Timeout {
  /** The timeout, e.g. {@code "200ms"} or {@code "2s"}. */
  String value();
}
