package io.meshwork.spring.boot.it.frontend;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

/** The frontend: calls the greeter through {@link GreeterClient}, found by the starter's scan. */
@SpringBootConfiguration
@EnableAutoConfiguration
public class FrontendApp {

  @Bean
  MeterRegistry meterRegistry() {
    return new SimpleMeterRegistry();
  }
}
