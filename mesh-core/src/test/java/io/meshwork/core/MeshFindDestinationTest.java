package io.meshwork.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MeshFindDestinationTest {
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Mesh mesh = Mesh.builder().serviceName("frontend").registry(registry).meterRegistry(meters).build();

  @AfterEach
  void close() {
    mesh.close();
    registry.close();
  }

  @Test
  void destinationsListsTheDestinationsMadeSoFarSortedAndMakesNone() {
    assertThat(mesh.destinations()).isEmpty();
    registry.putService(ServiceConfig.of("greeter", Endpoint.of("127.0.0.1:8081")));
    Destination inventory = mesh.destination("inventory");
    Destination greeter = mesh.findDestination("greeter").orElseThrow();
    mesh.findDestination("api.example.com");

    assertThat(mesh.destinations()).containsExactly(greeter, inventory);
    assertThat(mesh.destinations()).as("a copy").isUnmodifiable();
    assertThat(mesh.destinations()).hasSize(2);
  }

  @Test
  void aKnownServiceIsFound() {
    registry.putService(ServiceConfig.of("greeter", Endpoint.of("127.0.0.1:8081")));
    assertThat(mesh.findDestination("greeter")).get().extracting(Destination::service).isEqualTo("greeter");
    assertThat(mesh.findDestination("greeter").get()).isSameAs(mesh.destination("greeter"));
  }

  @Test
  void otherHostsAreNotFoundAndLeaveNoMeters() {
    assertThat(mesh.findDestination("api.example.com")).isEmpty();
    assertThat(mesh.findDestination("Not A Name!")).isEmpty();
    assertThat(mesh.findDestination("api.example.com")).isEmpty();
    assertThat(meters.getMeters()).isEmpty();
  }

  @Test
  void aNameThatBecomesAServiceIsFoundAfterwards() {
    assertThat(mesh.findDestination("checkout")).isEmpty();
    registry.putService(ServiceConfig.of("checkout", Endpoint.of("127.0.0.1:8090")));
    assertThat(mesh.findDestination("checkout")).isPresent();
    assertThat(meters.find("mesh.client.inflight").tag("service", "checkout").gauge()).isNotNull();
  }

  @Test
  void askingForAnUnknownServiceByNameDoesNotMakeItOne() {
    mesh.destination("invntory"); // e.g. a typo in code that calls destination() directly

    assertThat(mesh.findDestination("invntory")).as("the answer follows the registry alone").isEmpty();

    registry.putService(ServiceConfig.of("invntory", Endpoint.of("127.0.0.1:8091")));
    assertThat(mesh.findDestination("invntory")).get().isSameAs(mesh.destination("invntory"));
  }

  @Test
  void aNameWithinTwoEditsOfAServiceIsTakenForAMisspelling() {
    registry.putService(ServiceConfig.of("inventory", Endpoint.of("127.0.0.1:8081")));

    assertThat(mesh.misspelledService("invntory")).contains("inventory");
    assertThat(mesh.misspelledService("inventroy")).contains("inventory");
    assertThat(mesh.misspelledService("inventory")).as("a known service is no misspelling").isEmpty();
    assertThat(mesh.misspelledService("localhost")).isEmpty();
    assertThat(mesh.misspelledService("billing")).isEmpty();
  }
}
