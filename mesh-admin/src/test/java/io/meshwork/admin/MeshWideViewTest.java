package io.meshwork.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Mesh;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.http.MeshHttp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The mesh-wide view on real parts: three processes' meshes (a frontend and two greeters) share
 * a registry; each runs its admin server, whose port its registrations announce; the greeters
 * serve on real mesh-http servers and the frontend calls them. The frontend's {@code
 * /admin/mesh.json} then shows both greeters read from their own admin servers; a greeter whose
 * admin server closed leaves the map, and a crashed one whose registration (with its admin
 * port) lingers is shown as unreachable while the other is still read.
 */
class MeshWideViewTest {
  private final List<AutoCloseable> closeLast = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeLast.size() - 1; i >= 0; i--) closeLast.get(i).close();
  }

  private <T extends AutoCloseable> T closing(T c) {
    closeLast.add(c);
    return c;
  }

  private Mesh mesh(String service, InMemoryRegistry registry) {
    return closing(Mesh.builder().serviceName(service).registry(registry).meterRegistry(new SimpleMeterRegistry())
        .build());
  }

  @Test
  void theFrontendsDashboardReadsItsPeersAndShowsOneThatStoppedAnsweringAsUnreachable() throws Exception {
    InMemoryRegistry registry = closing(InMemoryRegistry.create());
    registry.putService(ServiceConfig.builder("greeter").build());
    Mesh frontend = mesh("frontend", registry);
    MeshAdmin frontendAdmin = closing(MeshAdmin.start(frontend, 0));

    List<MeshAdmin> greeterAdmins = new ArrayList<>();
    for (String name : List.of("greeter-a", "greeter-b")) {
      Mesh greeter = mesh("greeter", registry);
      greeterAdmins.add(closing(MeshAdmin.start(greeter, 0))); // before the server registers
      closing(MeshHttp.server(greeter).bind("127.0.0.1", 0).register(true)
          .handler("/hello", exchange -> {
            byte[] body = ("hello from " + name).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
          }).start());
    }

    OkHttpClient client = MeshHttp.client(frontend);
    closeLast.add(() -> {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> frontend.destination("greeter").endpoints().size() == 2);
    for (int i = 0; i < 20; i++) {
      try (Response r = client.newCall(new Request.Builder().url("http://greeter/hello").build()).execute()) {
        assertThat(r.code()).isEqualTo(200);
      }
    }

    String adminA = greeterAdmins.get(0).uri() + "admin";
    String adminB = greeterAdmins.get(1).uri() + "admin";
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      String mesh = get(frontendAdmin.uri().resolve("admin/mesh.json"));
      assertThat(mesh).contains("\"schema\":\"" + MeshView.SCHEMA + "\"").contains("\"frontend\"");
      assertThat(process(mesh, adminA)).as(mesh).contains("\"status\":\"ok\"").contains("\"service\":\"greeter\"");
      assertThat(process(mesh, adminB)).as(mesh).contains("\"status\":\"ok\"");
    });

    // greeter-b's admin server stops: it takes its port off greeter-b's registration (which
    // stays, serving), so the map stops asking it.
    greeterAdmins.get(1).close();
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      String mesh = get(frontendAdmin.uri().resolve("admin/mesh.json"));
      assertThat(process(mesh, adminB)).as(mesh).isEmpty();
      assertThat(process(mesh, adminA)).as(mesh).contains("\"status\":\"ok\"");
    });
    assertThat(frontend.destination("greeter").endpoints()).hasSize(2);

    // A greeter that crashed leaves its registration, admin port included, until the registry
    // drops it: shown as unreachable, with the reason, while greeter-a is still read.
    int deadAdmin;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      deadAdmin = s.getLocalPort();
    }
    closing(registry.register("greeter", Endpoint.ofPorts("127.0.0.1",
        java.util.Map.of("http", deadAdmin, "admin", deadAdmin), "http")));
    String adminC = "http://127.0.0.1:" + deadAdmin + "/admin";
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      String mesh = get(frontendAdmin.uri().resolve("admin/mesh.json"));
      assertThat(process(mesh, adminC)).as(mesh).contains("\"status\":\"unreachable\"").contains("\"error\":");
      assertThat(process(mesh, adminA)).as(mesh).contains("\"status\":\"ok\"");
    });
  }

  /** The start of the JSON object of the process whose admin URL is {@code admin}, or "" if absent. */
  private static String process(String meshJson, String admin) {
    Matcher m = Pattern.compile("\\{[^{}]*\"admin\":\"" + Pattern.quote(admin) + "\"[^{}]*").matcher(meshJson);
    return m.find() ? m.group() : "";
  }

  private String get(URI uri) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET %s: %s", uri, r.body()).isEqualTo(200);
    return r.body();
  }
}
