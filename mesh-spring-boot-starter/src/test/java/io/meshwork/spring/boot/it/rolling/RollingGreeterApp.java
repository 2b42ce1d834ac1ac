package io.meshwork.spring.boot.it.rolling;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** A greeter instance that says which instance (its port) answered. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(RollingGreeterApp.Hello.class)
public class RollingGreeterApp {

  @RestController
  static class Hello {
    private final Environment environment;

    Hello(Environment environment) {
      this.environment = environment;
    }

    @GetMapping("/hello")
    String hello() throws InterruptedException {
      Thread.sleep(5); // a little work, so that some requests are in flight at every moment
      return environment.getProperty("local.server.port");
    }
  }
}
