package io.meshwork.spring.boot.it.frontend;

import io.meshwork.spring.boot.MeshClient;
import io.meshwork.spring.boot.Timeout;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.annotation.HttpExchange;

@MeshClient("greeter")
@HttpExchange("/greetings")
public interface GreeterClient {
  @GetExchange("/{name}")
  String greet(@PathVariable String name);

  @Timeout("300ms")
  @GetExchange("/{name}")
  String greetQuickly(@PathVariable String name);
}
