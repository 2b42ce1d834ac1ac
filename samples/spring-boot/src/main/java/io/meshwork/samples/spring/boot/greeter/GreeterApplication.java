package io.meshwork.samples.spring.boot.greeter;

import io.meshwork.core.Deadline;
import io.meshwork.core.MeshContext;
import io.meshwork.core.Ticker;
import io.opentelemetry.context.Context;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The greeter: a Spring MVC application whose only code is {@link Greetings}. The starter does
 * the rest: the mesh's servlet filter runs first on every request (it puts the caller's deadline
 * into the handler's context), and the server registers its port in the registry once it listens.
 * Its properties are in {@code application-greeter.properties} (profile {@code greeter}).
 */
@SpringBootApplication
public class GreeterApplication {

  /** Runs the greeter on its own; {@code SpringBootSample} runs it beside the frontend. */
  public static void main(String[] args) {
    new SpringApplicationBuilder(GreeterApplication.class).profiles("greeter").run(args);
  }

  @RestController
  static class Greetings {
    /**
     * Answers with what the mesh told the handler: who called (the caller's verified SPIFFE ID,
     * which only mutual TLS provides) and how much of the caller's deadline is left.
     */
    @GetMapping("/hello")
    String hello(@RequestParam(defaultValue = "world") String name,
        @RequestHeader(name = "mesh-timeout-ms", required = false) String timeoutHeader) {
      String caller = MeshContext.callerIdentity(Context.current());
      Deadline deadline = MeshContext.currentDeadline();
      return "hello " + name + " from greeter"
          + "; caller=" + (caller == null ? "none (plaintext, no client certificate)" : caller)
          + "; deadline-left=" + (deadline == null ? "none" : deadline.remainingMillis(Ticker.system()) + "ms")
          + "; mesh-timeout-ms=" + (timeoutHeader == null ? "none" : timeoutHeader);
    }
  }
}
