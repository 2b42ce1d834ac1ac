package io.meshwork.samples.spring.boot.frontend;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The frontend: a Spring MVC application whose {@code /} calls the greeter by its mesh name
 * through {@link GreeterClient}. Its properties are in {@code application-frontend.properties}
 * (profile {@code frontend}).
 */
@SpringBootApplication
public class FrontendApplication {

  /** Runs the frontend on its own; {@code SpringBootSample} runs it beside the greeter. */
  public static void main(String[] args) {
    new SpringApplicationBuilder(FrontendApplication.class).profiles("frontend").run(args);
  }

  @RestController
  static class Index {
    private final GreeterClient greeter;

    Index(GreeterClient greeter) {
      this.greeter = greeter;
    }

    @GetMapping("/")
    String index(@RequestParam(defaultValue = "world") String name) {
      return "frontend -> " + greeter.hello(name);
    }
  }
}
