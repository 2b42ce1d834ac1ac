package io.meshwork.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.admin.MeshAdmin;
import io.meshwork.admin.MeshState;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.core.registry.Registration;
import io.meshwork.core.registry.Registry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** mesh-admin in Boot: the state bean always, the admin server on {@code meshwork.admin.enabled}. */
class MeshAdminAutoConfigurationTest {
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class, MeshAdminAutoConfiguration.class))
      .withPropertyValues("meshwork.service-name=frontend")
      .withBean(Registry.class, () -> registry)
      .withBean(MeterRegistry.class, SimpleMeterRegistry::new);

  @Test
  void theStateIsMadeAndTheAdminServerIsNotByDefault() {
    runner.run(context -> assertThat(context).hasNotFailed().hasSingleBean(MeshState.class)
        .doesNotHaveBean(MeshAdmin.class));
  }

  @Test
  void enabledTheAdminServerServesStateJsonOn127001AndAnnouncesItsPort() throws Exception {
    runner.withPropertyValues("meshwork.admin.enabled=true", "meshwork.admin.port=0").run(context -> {
      MeshAdmin admin = context.getBean(MeshAdmin.class);
      assertThat(admin.address().getAddress().isLoopbackAddress()).isTrue();
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> state = http.send(HttpRequest.newBuilder(admin.uri().resolve("admin/state.json"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(state.statusCode()).isEqualTo(200);
      assertThat(state.body()).contains("\"schema\":\"" + MeshState.SCHEMA + "\"").contains("\"frontend\"");

      // What this process registers carries the admin port, so that peers find its dashboard.
      try (Registration r = context.getBean(Mesh.class).register(Endpoint.ofPort("127.0.0.1", "http", 8080))) {
        assertThat(r.endpoint().port("admin")).hasValue(admin.address().getPort());
      }
    });
  }

  @Test
  void aBindAddressThatIsNotAnAddressFailsNamingTheProperty() {
    runner.withPropertyValues("meshwork.admin.enabled=true", "meshwork.admin.port=0",
            "meshwork.admin.bind-address=no-such-host.invalid")
        .run(context -> assertThat(context).hasFailed().getFailure()
            .hasStackTraceContaining("meshwork.admin.bind-address: no-such-host.invalid"));
  }

  @Test
  void disabledMeshworkMakesNeither() {
    runner.withPropertyValues("meshwork.enabled=false", "meshwork.admin.enabled=true")
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MeshState.class)
            .doesNotHaveBean(MeshAdmin.class));
  }

}
