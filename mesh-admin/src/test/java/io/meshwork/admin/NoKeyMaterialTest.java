package io.meshwork.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Mesh;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.tls.MeshTls;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With a mesh-tls identity (the development CA, a real key and certificate), no route ever
 * answers key material or certificates; a rotation shows as an event.
 */
class NoKeyMaterialTest {
  private static final List<String> ROUTES = List.of("/", "/admin", "/admin/", "/admin/state.json",
      "/admin/mesh.json", "/metrics", "/admin/../../ca/ca.key", "/nowhere");

  @TempDir Path caFolder;

  @Test
  void noRouteAnswersKeysOrCertificatesAndARotationIsAnEvent() throws Exception {
    try (InMemoryRegistry registry = InMemoryRegistry.create();
        Mesh mesh = Mesh.builder().serviceName("frontend").registry(registry)
            .meterRegistry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
            .identity(MeshTls.developmentCa(caFolder)).build();
        MeshAdmin admin = MeshAdmin.start(mesh, 0);
        SseClient events = new SseClient(admin.address())) {
      MeshTls tls = MeshTls.of(mesh).orElseThrow();
      assertThat(tls.identity().current().privateKeyPem()).contains("PRIVATE KEY");   // there is one to leak
      await().atMost(Duration.ofSeconds(5)).until(() -> admin.server().streams() == 1);

      tls.identity().rotateNow();
      await().atMost(Duration.ofSeconds(10)).until(() -> !events.ofType("certificate-rotated").isEmpty());
      assertThat(events.ofType("certificate-rotated").get(0).data())
          .contains("\"detail\":\"notAfter " + tls.identity().current().notAfter() + "\"");

      StringBuilder everything = new StringBuilder();
      for (String route : ROUTES) {
        for (String method : List.of("GET", "HEAD")) {
          Raw.Reply r = Raw.once(admin.address(), method, route);
          everything.append(r.headers()).append(r.body());
        }
      }
      everything.append(events.events).append(events.head);
      assertThat(everything.toString()).doesNotContain("PRIVATE KEY", "BEGIN CERTIFICATE", "BEGIN", "MII");
      assertThat(everything.toString()).contains("mesh_tls_certificate_expiry_seconds");   // /metrics was read
    }
  }
}
