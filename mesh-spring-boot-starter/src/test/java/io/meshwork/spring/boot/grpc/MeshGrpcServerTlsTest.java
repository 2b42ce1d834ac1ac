package io.meshwork.spring.boot.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsServerCredentials;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.core.registry.Registry;
import io.meshwork.spring.boot.MeshAutoConfiguration;
import io.meshwork.spring.boot.MeshGrpcAutoConfiguration;
import io.meshwork.spring.boot.MeshGrpcServerAutoConfiguration;
import io.meshwork.spring.boot.MeshSslAutoConfiguration;
import io.meshwork.spring.boot.grpc.test.HelloGrpc;
import io.meshwork.spring.boot.grpc.test.HelloReply;
import io.meshwork.spring.boot.grpc.test.HelloRequest;
import io.meshwork.tls.MeshTls;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.grpc.server.autoconfigure.GrpcServerAutoConfiguration;
import org.springframework.boot.grpc.server.autoconfigure.GrpcServerProperties;
import org.springframework.boot.grpc.server.autoconfigure.GrpcServerServicesAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.grpc.server.lifecycle.GrpcServerLifecycle;

/**
 * Boot's gRPC server on the mesh identity: in strict mode it requires a client certificate of the
 * mesh (a {@code @MeshClient} stub gets through, a plaintext caller does not) and follows a
 * rotation with no restart; the application's own {@code spring.grpc.server.ssl.*} wins; without
 * an identity the server stays plaintext.
 */
class MeshGrpcServerTlsTest {
  @TempDir Path ca;
  final InMemoryRegistry registry = InMemoryRegistry.create();
  final GrpcFixtures.HelloService hello = new GrpcFixtures.HelloService();

  ApplicationContextRunner server() {
    return serverWithout().withConfiguration(AutoConfigurations.of(MeshSslAutoConfiguration.class));
  }

  /** The server without the starter's {@code meshwork} SSL bundle. */
  ApplicationContextRunner serverWithout() {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class,
            MeshGrpcAutoConfiguration.class, MeshGrpcServerAutoConfiguration.class, GrpcServerAutoConfiguration.class,
            GrpcServerServicesAutoConfiguration.class, SslAutoConfiguration.class))
        .withBean(Registry.class, () -> GrpcFixtures.shared(registry))
        .withBean(GrpcFixtures.HelloService.class, () -> hello)
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withPropertyValues("meshwork.service-name=greeter", "spring.grpc.server.port=0",
            "spring.grpc.server.address=127.0.0.1", "meshwork.server.withdraw-delay=0ms",
            "meshwork.tls.mode=development-ca", "meshwork.tls.development-ca.folder=" + ca);
  }

  ApplicationContextRunner client() {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class, MeshGrpcAutoConfiguration.class))
        .withBean(Registry.class, () -> GrpcFixtures.shared(registry))
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withPropertyValues("meshwork.service-name=frontend", "meshwork.tls.mode=development-ca",
            "meshwork.tls.development-ca.folder=" + ca);
  }

  @AfterEach
  void close() {
    registry.close();
  }

  @Test
  void inStrictModeTheServerRequiresAMeshCertificateAndFollowsRotation() {
    registry.setMesh(new MeshSettings("boot.test", TlsMode.STRICT));
    registry.putService(ServiceConfig.of("greeter"));
    server().run(greeter -> {
      assertThat(greeter).hasNotFailed();
      GrpcServerProperties.Ssl ssl = greeter.getBean(GrpcServerProperties.class).getSsl();
      assertThat(ssl.getBundle()).isEqualTo("meshwork");
      assertThat(ssl.getClientAuth()).isEqualTo(TlsServerCredentials.ClientAuth.REQUIRE);
      int port = greeter.getBean(GrpcServerLifecycle.class).getPort();

      client().withUserConfiguration(GrpcFixtures.Frontend.class).run(frontend -> {
        assertThat(frontend).hasNotFailed();
        HelloReply reply = frontend.getBean(GrpcFixtures.Frontend.class).byField
            .sayHello(HelloRequest.newBuilder().setName("mesh").build());
        assertThat(reply.getMessage()).isEqualTo("hello mesh");

        // The server presents the greeter's current certificate, and a rotated one on the next
        // connection, with no restart.
        MeshTls greeterTls = MeshTls.of(greeter.getBean(Mesh.class)).orElseThrow();
        SSLContext asFrontend = MeshTls.of(frontend.getBean(Mesh.class)).orElseThrow().clientContext("greeter");
        BigInteger before = greeterTls.identity().current().leaf().getSerialNumber();
        assertThat(serverSerial(asFrontend, port)).isEqualTo(before);
        assertThat(greeterTls.identity().rotateNow()).isTrue();
        BigInteger after = greeterTls.identity().current().leaf().getSerialNumber();
        assertThat(after).isNotEqualTo(before);
        assertThat(serverSerial(asFrontend, port)).isEqualTo(after);
      });
      assertThat(hello.names).containsExactly("mesh");

      // A plaintext caller gets no call through.
      ManagedChannel plaintext = Grpc.newChannelBuilderForAddress("127.0.0.1", port,
          InsecureChannelCredentials.create()).build();
      try {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> HelloGrpc.newBlockingStub(plaintext)
            .withDeadlineAfter(5, TimeUnit.SECONDS).sayHello(HelloRequest.newBuilder().setName("plain").build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      } finally {
        plaintext.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      assertThat(hello.names).containsExactly("mesh");
    });
  }

  @Test
  void inPermissiveModeAClientCertificateIsOptional() {
    registry.setMesh(new MeshSettings("boot.test", TlsMode.PERMISSIVE));
    server().run(greeter -> assertThat(greeter.getBean(GrpcServerProperties.class).getSsl())
        .satisfies(ssl -> {
          assertThat(ssl.getBundle()).isEqualTo("meshwork");
          assertThat(ssl.getClientAuth()).isEqualTo(TlsServerCredentials.ClientAuth.OPTIONAL);
        }));
  }

  @Test
  void theApplicationsOwnSslSettingsWin() {
    registry.setMesh(new MeshSettings("boot.test", TlsMode.STRICT));
    server().withPropertyValues("spring.grpc.server.ssl.enabled=false").run(greeter ->
        assertThat(greeter.getBean(GrpcServerProperties.class).getSsl().getBundle()).isNull());
    server().withPropertyValues("spring.grpc.server.ssl.bundle=meshwork",
        "spring.grpc.server.ssl.client-auth=optional").run(greeter ->
        assertThat(greeter.getBean(GrpcServerProperties.class).getSsl().getClientAuth())
            .isEqualTo(TlsServerCredentials.ClientAuth.OPTIONAL));
  }

  @Test
  void inDisabledModeOrWithoutAnIdentityTheServerStaysPlaintext() {
    registry.setMesh(new MeshSettings("boot.test", TlsMode.DISABLED));
    server().run(greeter -> assertThat(greeter.getBean(GrpcServerProperties.class).getSsl().getBundle()).isNull());
    registry.setMesh(new MeshSettings("boot.test", TlsMode.STRICT));
    server().withPropertyValues("meshwork.tls.mode=none").run(greeter ->
        assertThat(greeter.getBean(GrpcServerProperties.class).getSsl().getBundle()).isNull());
  }

  @Test
  void withoutTheMeshworkBundleTheServerStartsPlaintext() {
    registry.setMesh(new MeshSettings("boot.test", TlsMode.STRICT));
    serverWithout().run(greeter -> {
      assertThat(greeter).hasNotFailed();
      assertThat(greeter.getBean(GrpcServerProperties.class).getSsl().getBundle()).isNull();
      assertThat(greeter.getBean(GrpcServerLifecycle.class).getPort()).isPositive();
    });
  }

  /** The serial of the certificate the gRPC server presents on a new TLS connection (ALPN h2). */
  private static BigInteger serverSerial(SSLContext context, int port) throws IOException {
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setApplicationProtocols(new String[] {"h2"});
      socket.setSSLParameters(parameters);
      socket.setSoTimeout(5000);
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }
}
