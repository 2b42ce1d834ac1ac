package io.meshwork.spring.boot.it.strict.frontend;

import io.meshwork.spring.boot.MeshClient;
import io.meshwork.spring.boot.Timeout;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.annotation.HttpExchange;

/** The greeter's HTTP API, through the mesh. */
@MeshClient("greeter")
@HttpExchange("/greetings")
public interface GreeterHttp {
  @Timeout("10s")
  @GetExchange("/{name}")
  String greet(@PathVariable String name);
}
