package io.meshwork.spring.boot.grpc;

import io.grpc.stub.StreamObserver;
import io.meshwork.core.Deadline;
import io.meshwork.core.MeshContext;
import io.meshwork.core.Ticker;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.core.registry.Registration;
import io.meshwork.core.registry.Registry;
import io.meshwork.core.registry.ServiceListener;
import io.meshwork.core.registry.ServiceSnapshot;
import io.meshwork.core.registry.Watch;
import io.meshwork.spring.boot.MeshClient;
import io.meshwork.spring.boot.grpc.test.HelloGrpc;
import io.meshwork.spring.boot.grpc.test.HelloReply;
import io.meshwork.spring.boot.grpc.test.HelloRequest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The gRPC tests' service, client configuration and shared registry. */
final class GrpcFixtures {
  private GrpcFixtures() {}

  static String messages(Throwable e) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) b.append(t.getMessage()).append('\n');
    return b.toString();
  }

  /** A view of {@code registry} for one context: closing the context (and its mesh) closes the view only. */
  static Registry shared(InMemoryRegistry registry) {
    return new Registry() {
      @Override
      public Watch watch(String service, ServiceListener listener) {
        return registry.watch(service, listener);
      }

      @Override
      public Registration register(String service, Endpoint endpoint) {
        return registry.register(service, endpoint);
      }

      @Override
      public void close() {}
    };
  }

  /** The endpoints the registry lists for greeter now. */
  static List<Endpoint> endpoints(InMemoryRegistry registry) {
    AtomicReference<ServiceSnapshot> latest = new AtomicReference<>();
    registry.watch("greeter", latest::set).close();
    return latest.get().known() ? latest.get().config().endpoints() : List.of();
  }

  /** Hello: answers with the mesh deadline its handler sees. */
  static class HelloService extends HelloGrpc.HelloImplBase {
    final List<String> names = new CopyOnWriteArrayList<>();

    @Override
    public void sayHello(HelloRequest request, StreamObserver<HelloReply> responses) {
      names.add(request.getName());
      Deadline deadline = MeshContext.currentDeadline();
      responses.onNext(HelloReply.newBuilder().setMessage("hello " + request.getName())
          .setDeadlineMillis(deadline == null ? -1 : deadline.remainingMillis(Ticker.system())).build());
      responses.onCompleted();
    }
  }

  /** Stubs injected by constructor, field and {@code @Bean} method parameter. */
  @Configuration(proxyBeanMethods = false)
  static class Frontend {
    final HelloGrpc.HelloBlockingStub byConstructor;
    @MeshClient("greeter")
    HelloGrpc.HelloBlockingStub byField;
    @MeshClient("greeter")
    HelloGrpc.HelloFutureStub future;

    Frontend(@MeshClient("greeter") HelloGrpc.HelloBlockingStub byConstructor) {
      this.byConstructor = byConstructor;
    }

    @Bean
    BeanMethodUser beanMethodUser(@MeshClient("greeter") HelloGrpc.HelloBlockingStub stub) {
      return new BeanMethodUser(stub);
    }
  }

  record BeanMethodUser(HelloGrpc.HelloBlockingStub stub) {}
}
