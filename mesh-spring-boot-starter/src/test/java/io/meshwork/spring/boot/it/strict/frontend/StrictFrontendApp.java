package io.meshwork.spring.boot.it.strict.frontend;

import io.meshwork.spring.boot.MeshClient;
import io.meshwork.spring.boot.grpc.test.HelloGrpc;
import io.meshwork.spring.boot.it.strict.Tracing;
import io.opentelemetry.api.OpenTelemetry;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.stereotype.Component;

/**
 * The frontend of the strict mutual TLS test: calls the greeter through {@link GreeterHttp} (an
 * {@code @MeshClient} HTTP interface, found by the starter's scan of this package) and through a
 * {@code @MeshClient} gRPC blocking stub ({@link GreeterCalls}).
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(StrictFrontendApp.GreeterCalls.class)
public class StrictFrontendApp {

  @Bean
  OpenTelemetry openTelemetry() {
    return Tracing.sdk();
  }

  /** Holds the stub, injected by field. */
  @Component
  public static class GreeterCalls {
    @MeshClient("greeter")
    public HelloGrpc.HelloBlockingStub hello;
  }
}
