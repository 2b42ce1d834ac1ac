package io.meshwork.spring.boot.it.strict.greeter;

import io.grpc.stub.StreamObserver;
import io.meshwork.core.Deadline;
import io.meshwork.core.MeshContext;
import io.meshwork.core.Ticker;
import io.meshwork.spring.boot.grpc.test.HelloGrpc;
import io.meshwork.spring.boot.grpc.test.HelloReply;
import io.meshwork.spring.boot.grpc.test.HelloRequest;
import io.meshwork.spring.boot.it.strict.Tracing;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * The greeter of the strict mutual TLS test: Spring MVC on Tomcat ({@code /greetings/{name}}) and
 * the Hello gRPC service on Boot's gRPC server. Both answers say what the handler saw: the caller
 * identity the mesh verified, the mesh deadline, and the trace id of the current span.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(StrictGreeterApp.Greetings.class)
public class StrictGreeterApp {

  @Bean
  OpenTelemetry openTelemetry() {
    return Tracing.sdk();
  }

  @Bean
  HelloService helloService() {
    return new HelloService();
  }

  /** What the handler saw, as {@code caller=...; deadline=...; trace=...}. */
  static String seen() {
    Deadline deadline = MeshContext.currentDeadline();
    return "caller=" + MeshContext.callerIdentity(Context.current())
        + "; deadline=" + (deadline == null ? "none" : Long.toString(deadline.remainingMillis(Ticker.system())))
        + "; trace=" + Span.current().getSpanContext().getTraceId();
  }

  @RestController
  static class Greetings {
    @GetMapping("/greetings/{name}")
    String greet(@PathVariable String name) {
      return "hello " + name + "; " + seen();
    }
  }

  static class HelloService extends HelloGrpc.HelloImplBase {
    @Override
    public void sayHello(HelloRequest request, StreamObserver<HelloReply> responses) {
      Deadline deadline = MeshContext.currentDeadline();
      responses.onNext(HelloReply.newBuilder().setMessage("hello " + request.getName() + "; " + seen())
          .setDeadlineMillis(deadline == null ? -1 : deadline.remainingMillis(Ticker.system())).build());
      responses.onCompleted();
    }
  }
}
