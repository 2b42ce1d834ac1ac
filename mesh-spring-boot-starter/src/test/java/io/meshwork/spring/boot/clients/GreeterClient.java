package io.meshwork.spring.boot.clients;

import io.meshwork.spring.boot.Idempotent;
import io.meshwork.spring.boot.MeshClient;
import io.meshwork.spring.boot.Timeout;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.annotation.PostExchange;

@MeshClient("greeter")
public interface GreeterClient {
  @GetExchange("/hello")
  String hello(@RequestParam String to);

  @PostExchange("/greet")
  String greet(@RequestBody String name);

  /** A POST the server deduplicates: the mesh may retry it. */
  @Idempotent
  @PostExchange("/orders")
  String order(@RequestBody String item);

  /** The same POST without the annotation: never sent twice once it may have arrived. */
  @PostExchange("/orders")
  String orderOnce(@RequestBody String item);

  @Timeout("150ms")
  @GetExchange("/quick")
  String quick();
}
