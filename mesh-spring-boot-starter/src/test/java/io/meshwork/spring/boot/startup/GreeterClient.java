package io.meshwork.spring.boot.startup;

import io.meshwork.spring.boot.MeshClient;
import org.springframework.web.service.annotation.GetExchange;

/** So that the starter's scan finds and builds one client, as a real application's would. */
@MeshClient("greeter")
public interface GreeterClient {
  @GetExchange("/hello")
  String hello();
}
