package io.meshwork.spring.boot.badname;

import io.meshwork.spring.boot.MeshClient;
import org.springframework.web.service.annotation.GetExchange;

@MeshClient("Greeter_Service")
public interface BadNameClient {
  @GetExchange("/hello")
  String hello();
}
