package io.meshwork.samples.spring.boot.frontend;

import io.meshwork.spring.boot.MeshClient;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.service.annotation.GetExchange;

/**
 * The greeter as the frontend sees it: an HTTP service interface whose base URL is
 * {@code http://greeter}. The starter finds it in the application's package and makes a bean
 * that calls through the mesh (service naming, load balancing, retries, deadline, metrics).
 */
@MeshClient("greeter")
public interface GreeterClient {
  @GetExchange("/hello")
  String hello(@RequestParam String name);
}
