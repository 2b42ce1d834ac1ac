package io.meshwork.spring.boot.groups;

import io.meshwork.spring.boot.Idempotent;
import io.meshwork.spring.boot.Timeout;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.annotation.PostExchange;

/** An HTTP service interface without {@code @MeshClient}: a mesh client only through its group. */
public interface GreeterService {
  @GetExchange("/hello")
  String hello(@RequestParam String to);

  /** A POST the server deduplicates: the mesh may retry it. */
  @Idempotent
  @PostExchange("/orders")
  String order(@RequestBody String item);

  /** The same POST without the annotation. */
  @PostExchange("/orders")
  String orderOnce(@RequestBody String item);

  @Timeout("150ms")
  @GetExchange("/quick")
  String quick();
}
