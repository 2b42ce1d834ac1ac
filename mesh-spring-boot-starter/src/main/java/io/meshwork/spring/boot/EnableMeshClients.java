package io.meshwork.spring.boot;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.context.annotation.Import;

/**
 * Scans the given packages for {@link MeshClient} interfaces, instead of the application's own
 * packages that the starter scans by default. Use it for clients kept in a library, or outside
 * a Boot application.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Import(MeshClientsRegistrar.Explicit.class)
public @interface EnableMeshClients {
  /** Packages to scan; default the package of the annotated class. */
  String[] value() default {};

  /** Packages to scan, by a class in each. */
  Class<?>[] basePackageClasses() default {};
}
