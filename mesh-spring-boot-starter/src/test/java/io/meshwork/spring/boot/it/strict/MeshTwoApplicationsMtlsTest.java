package io.meshwork.spring.boot.it.strict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.TlsMode;
import io.meshwork.spring.boot.grpc.test.HelloGrpc;
import io.meshwork.spring.boot.grpc.test.HelloReply;
import io.meshwork.spring.boot.grpc.test.HelloRequest;
import io.meshwork.spring.boot.it.strict.frontend.GreeterHttp;
import io.meshwork.spring.boot.it.strict.frontend.StrictFrontendApp;
import io.meshwork.spring.boot.it.strict.greeter.StrictGreeterApp;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.grpc.server.autoconfigure.GrpcServerProperties;
import org.springframework.boot.json.JsonParserFactory;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.grpc.server.lifecycle.GrpcServerLifecycle;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Two Boot applications in one JVM, in a strict mutual TLS mesh (a file registry in a temporary
 * folder, {@code tls: strict}, trust domain {@value #TRUST_DOMAIN}, identities from the
 * development CA beside it). The greeter serves Spring MVC on Tomcat with {@code
 * server.ssl.bundle=meshwork} and the Hello gRPC service on Boot's gRPC server, which the starter
 * puts on the same identity; it registers both ports ({@code http}, {@code grpc}) itself. The
 * frontend calls it through a {@code @MeshClient} HTTP interface and a {@code @MeshClient} gRPC
 * stub.
 *
 * <p>The frontend serves Actuator on a separate management port, plaintext on 127.0.0.1
 * ({@code management.server.port=0}): on its main port the mesh's servlet filter refuses every
 * plaintext caller in strict mode, and a management port outside the mesh is how an operator (or
 * a probe) without a mesh certificate reads {@code /actuator/meshwork} and {@code /actuator/health}.
 */
@SpringBootTest(classes = StrictGreeterApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"spring.application.name=greeter", "spring.main.banner-mode=off",
        "meshwork.tls.mode=development-ca", "server.ssl.bundle=meshwork", "server.address=127.0.0.1",
        "spring.grpc.server.port=0", "spring.grpc.server.address=127.0.0.1",
        "meshwork.registry.poll-interval=50ms", "meshwork.server.withdraw-delay=0ms"})
class MeshTwoApplicationsMtlsTest {
  static final String TRUST_DOMAIN = "boot.test";
  static final String FRONTEND_ID = "spiffe://" + TRUST_DOMAIN + "/service/frontend";
  static final Path DIR;
  static final Path REGISTRY;

  static {
    try {
      DIR = Files.createTempDirectory("meshwork-boot-strict");
      REGISTRY = DIR.resolve("mesh.yaml");
      Files.writeString(REGISTRY, """
          mesh:
            trustDomain: %s
            tls: strict
          services: {}
          """.formatted(TRUST_DOMAIN));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @DynamicPropertySource
  static void registry(DynamicPropertyRegistry properties) {
    properties.add("meshwork.registry.file", REGISTRY::toString);
  }

  @Value("${local.server.port}") int httpPort;
  @Autowired Mesh greeterMesh;
  @Autowired GrpcServerLifecycle grpcServer;
  @Autowired GrpcServerProperties grpcProperties;

  ConfigurableApplicationContext frontend;

  void startFrontend() {
    frontend = new SpringApplicationBuilder(StrictFrontendApp.class)
        .properties("spring.application.name=frontend", "spring.main.banner-mode=off",
            "meshwork.registry.file=" + REGISTRY, "meshwork.registry.poll-interval=50ms",
            "meshwork.tls.mode=development-ca", "meshwork.server.register=false",
            "server.port=0", "server.address=127.0.0.1",
            "management.server.port=0", "management.server.address=127.0.0.1",
            "management.endpoints.web.exposure.include=health,meshwork",
            "management.endpoint.health.show-components=always",
            "management.endpoint.health.show-details=always")
        // As src/test/resources/application.properties, plus Jetty's management context, which
        // a separate management port would bring in beside Tomcat's (arguments win over that file).
        .run("--spring.autoconfigure.exclude="
            + "org.springframework.boot.jetty.autoconfigure.servlet.JettyServletWebServerAutoConfiguration,"
            + "org.springframework.boot.jetty.autoconfigure.actuate.web.server.JettyServletManagementContextAutoConfiguration");
  }

  @AfterEach
  void stopFrontend() {
    if (frontend != null) frontend.close();
  }

  @AfterAll
  static void deleteRegistry() throws IOException {
    try (var files = Files.walk(DIR)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  void theFrontendCallsTheGreeterOverHttpAndGrpcWithItsIdentityDeadlineAndTrace() throws Exception {
    startFrontend();
    assertThat(greeterMesh.settings().tls()).isEqualTo(TlsMode.STRICT);
    // The starter put Boot's gRPC server on the mesh identity, client certificates required.
    assertThat(grpcProperties.getSsl().getBundle()).isEqualTo("meshwork");
    assertThat(grpcProperties.getSsl().getClientAuth()).isEqualTo(io.grpc.TlsServerCredentials.ClientAuth.REQUIRE);
    int grpcPort = grpcServer.getPort();
    assertThat(grpcPort).isPositive().isNotEqualTo(httpPort);

    GreeterHttp http = frontend.getBean(GreeterHttp.class);
    HelloGrpc.HelloBlockingStub stub = frontend.getBean(StrictFrontendApp.GreeterCalls.class).hello;
    Span span = frontend.getBean(OpenTelemetry.class).getTracer("test").spanBuilder("frontend-request").startSpan();
    String traceId = span.getSpanContext().getTraceId();
    String overHttp;
    HelloReply overGrpc;
    try (Scope ignored = span.makeCurrent()) {
      // Both ports reach the registry once the greeter's servers listen; the first calls wait for them.
      String[] answer = new String[1];
      await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
          .ignoreExceptions().untilAsserted(() -> answer[0] = http.greet("http"));
      overHttp = answer[0];
      HelloReply[] reply = new HelloReply[1];
      await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
          .untilAsserted(() -> reply[0] = stub.withDeadlineAfter(10, TimeUnit.SECONDS)
              .sayHello(HelloRequest.newBuilder().setName("grpc").build()));
      overGrpc = reply[0];
    } finally {
      span.end();
    }

    // HTTP: Tomcat on mutual TLS; the servlet filter saw the frontend's identity, its deadline
    // (@Timeout("10s")) and its trace.
    assertThat(overHttp).startsWith("hello http; ").contains("caller=" + FRONTEND_ID + ";", "trace=" + traceId);
    assertThat(number(overHttp, "deadline=(\\d+)")).isPositive().isLessThanOrEqualTo(10_000);
    // gRPC: Boot's server on mutual TLS; the mesh's interceptor saw the same.
    assertThat(overGrpc.getMessage()).startsWith("hello grpc; ")
        .contains("caller=" + FRONTEND_ID + ";", "trace=" + traceId);
    assertThat(overGrpc.getDeadlineMillis()).isPositive().isLessThanOrEqualTo(10_000);
    assertThat(number(overGrpc.getMessage(), "deadline=(\\d+)")).isPositive().isLessThanOrEqualTo(10_000);

    // The greeter counted the frontend by its SPIFFE ID, once per protocol: Tomcat's client
    // certificate (the meshwork bundle) and Boot's gRPC server both reached the inbound guard.
    assertThat(greeterMesh.inboundCallers())
        .filteredOn(c -> c.identity().equals(FRONTEND_ID))
        .singleElement()
        .satisfies(c -> {
          assertThat(c.accepted()).isEqualTo(2);
          assertThat(c.refusedTotal()).isZero();
        });

    // The frontend's Actuator: the destination with the greeter's endpoints, the identity, health.
    int managementPort = Integer.parseInt(frontend.getEnvironment().getProperty("local.management.port"));
    Map<String, Object> view = get(managementPort, "/actuator/meshwork");
    @SuppressWarnings("unchecked")
    Map<String, Object> greeter = ((List<Map<String, Object>>) view.get("destinations")).stream()
        .filter(d -> "greeter".equals(d.get("service"))).findFirst().orElse(null);
    assertThat(greeter).as("the greeter destination in %s", view).isNotNull().containsEntry("known", true);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> endpoints = (List<Map<String, Object>>) greeter.get("endpoints");
    // One endpoint: the greeter's two registrations (named ports http and grpc, same host) are
    // one endpoint of the service, shown at its primary address; both calls were attempts on it.
    assertThat(endpoints).as("greeter's endpoints").singleElement().satisfies(e -> {
      assertThat((String) e.get("address")).isIn("127.0.0.1:" + httpPort, "127.0.0.1:" + grpcPort);
      // At least the two calls (more if a first call timed out on a loaded machine and was retried).
      assertThat(((Number) e.get("attempts")).longValue()).isGreaterThanOrEqualTo(2);
    });
    // The named ports, as the frontend's mesh sees them.
    List<Endpoint> seen = frontend.getBean(Mesh.class).destination("greeter").snapshot().config().endpoints();
    assertThat(seen).singleElement().satisfies(e -> {
      assertThat(e.port("http")).hasValue(httpPort);
      assertThat(e.port("grpc")).hasValue(grpcPort);
    });
    @SuppressWarnings("unchecked")
    Map<String, Object> identity = (Map<String, Object>) view.get("identity");
    assertThat(identity).as("identity in %s", view).containsEntry("spiffeId", FRONTEND_ID);
    assertThat(Instant.parse((String) identity.get("notAfter"))).isAfter(Instant.now());
    assertThat(((Number) identity.get("secondsLeft")).longValue()).isPositive();
    @SuppressWarnings("unchecked")
    Map<String, Object> service = (Map<String, Object>) view.get("service");
    assertThat(service).containsEntry("name", "frontend").containsEntry("trustDomain", TRUST_DOMAIN)
        .containsEntry("tlsMode", "strict");

    Map<String, Object> health = get(managementPort, "/actuator/health");
    assertThat(health).containsEntry("status", "UP");
    @SuppressWarnings("unchecked")
    Map<String, Object> meshwork = (Map<String, Object>) ((Map<String, Object>) health.get("components")).get("meshwork");
    assertThat(meshwork).as("components.meshwork in %s", health).containsEntry("status", "UP");
  }

  @Test
  void callersWithoutAClientCertificateAreRefusedOnBothProtocols() throws Exception {
    int grpcPort = grpcServer.getPort();
    // HTTP: a TLS 1.3 client without a certificate fails Tomcat's handshake (client-auth need).
    assertThat(tlsClientWithoutCertificate(httpPort)).startsWith("refused: ");
    // gRPC, plaintext: no TLS handshake, no call.
    assertThat(grpcStatus(grpcPort, InsecureChannelCredentials.create())).isEqualTo(Status.Code.UNAVAILABLE);
    // gRPC, TLS without a client certificate (trusting any server): refused by the handshake.
    assertThat(grpcStatus(grpcPort, TlsChannelCredentials.newBuilder()
        .trustManager(InsecureTrustManagerFactory.INSTANCE.getTrustManagers()).build()))
        .isEqualTo(Status.Code.UNAVAILABLE);
  }

  /** The status of one Hello call on a channel with {@code credentials} straight to the port. */
  private static Status.Code grpcStatus(int port, ChannelCredentials credentials) throws InterruptedException {
    ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", port, credentials)
        .overrideAuthority("greeter").build();
    try {
      StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class, () ->
          HelloGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
              .sayHello(HelloRequest.newBuilder().setName("stranger").build()));
      return e.getStatus().getCode();
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** {@code GET /greetings/stranger} over TLS 1.3 without a certificate: the status line, or {@code refused: ...}. */
  private static String tlsClientWithoutCertificate(int port) throws GeneralSecurityException {
    SSLContext context = SSLContext.getInstance("TLSv1.3");
    context.init(null, new TrustManager[] {new TrustingAnyServer()}, null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      socket.startHandshake();
      OutputStream out = socket.getOutputStream();
      out.write("GET /greetings/stranger HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String status = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
          .readLine();
      return status == null ? "refused: closed without a response" : status;
    } catch (IOException e) {
      return "refused: " + e;
    }
  }

  private static Map<String, Object> get(int port, String path) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
    return JsonParserFactory.getJsonParser().parseMap(response.body());
  }

  private static long number(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as("%s in %s", regex, text).isTrue();
    return Long.parseLong(m.group(1));
  }

  private static final class TrustingAnyServer implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
