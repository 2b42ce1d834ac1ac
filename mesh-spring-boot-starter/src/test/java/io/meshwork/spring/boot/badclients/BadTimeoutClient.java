package io.meshwork.spring.boot.badclients;

import io.meshwork.spring.boot.MeshClient;
import io.meshwork.spring.boot.Timeout;
import org.springframework.web.service.annotation.GetExchange;

@MeshClient("greeter")
public interface BadTimeoutClient {
  @Timeout("soon")
  @GetExchange("/hello")
  String hello();
}
