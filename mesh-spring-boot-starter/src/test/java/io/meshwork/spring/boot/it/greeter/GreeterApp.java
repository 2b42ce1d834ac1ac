package io.meshwork.spring.boot.it.greeter;

import io.meshwork.core.Deadline;
import io.meshwork.core.MeshContext;
import io.meshwork.core.Ticker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/** The greeter: a Spring MVC application on Tomcat with the starter. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(GreeterApp.Greetings.class)
public class GreeterApp {

  @Bean
  MeterRegistry meterRegistry() {
    return new SimpleMeterRegistry();
  }

  @RestController
  static class Greetings {
    /** Says what the handler saw: the deadline the servlet filter put in its context, and the header. */
    @GetMapping("/greetings/{name}")
    String greet(@PathVariable String name,
        @RequestHeader(name = "mesh-timeout-ms", required = false) String timeoutHeader) {
      Deadline deadline = MeshContext.currentDeadline();
      String remaining = deadline == null ? "none" : Long.toString(deadline.remainingMillis(Ticker.system()));
      return "hello " + name + "; deadline=" + remaining + "; mesh-timeout-ms=" + timeoutHeader;
    }
  }
}
