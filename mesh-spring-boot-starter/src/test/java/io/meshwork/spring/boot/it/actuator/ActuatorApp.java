package io.meshwork.spring.boot.it.actuator;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring MVC application with the starter and Actuator, and no meter registry of its own: the
 * mesh records into the one Boot makes.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(ActuatorApp.Greetings.class)
public class ActuatorApp {

  @RestController
  static class Greetings {
    @GetMapping("/greetings/{name}")
    String greet(@PathVariable String name) {
      return "hello " + name;
    }
  }
}
