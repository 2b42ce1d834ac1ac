package io.meshwork.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.MeshDocument;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.Protocol;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.model.TlsMode;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InMemoryRegistryTest {
  private final InMemoryRegistry registry = InMemoryRegistry.create();

  @AfterEach
  void closeRegistry() {
    registry.close();
  }

  @Test
  void watchDeliversTheCurrentSnapshotBeforeReturning() {
    registry.putService(ServiceConfig.of("greeter", Endpoint.of("127.0.0.1:8081")));
    RecordingListener listener = new RecordingListener();

    Watch watch = registry.watch("greeter", listener);

    assertThat(listener.count()).isEqualTo(1);
    assertThat(listener.latest().known()).isTrue();
    assertThat(listener.latestAddresses()).containsExactly("127.0.0.1:8081");
    assertThat(listener.threads()).containsExactly(Thread.currentThread().getName());
    assertThat(watch.current()).isEqualTo(listener.latest());
  }

  @Test
  void aChangeIsDeliveredOnTheThreadThatMadeItBeforeTheSetterReturns() {
    registry.putService(ServiceConfig.of("greeter", Endpoint.of("127.0.0.1:8081")));
    RecordingListener listener = new RecordingListener();
    Watch watch = registry.watch("greeter", listener);
    long before = listener.latest().version();

    registry.putService(ServiceConfig.of("greeter", Endpoint.of("127.0.0.1:8081"), Endpoint.of("127.0.0.1:8082")));

    assertThat(listener.count()).isEqualTo(2);
    assertThat(listener.latestAddresses()).containsExactly("127.0.0.1:8081", "127.0.0.1:8082");
    assertThat(listener.latest().version()).isGreaterThan(before);
    assertThat(listener.threads()).allMatch(t -> t.equals(Thread.currentThread().getName()));
    assertThat(watch.current()).isEqualTo(listener.latest());
  }

  @Test
  void aServiceWhoseSnapshotDidNotChangeIsNotNotifiedAgain() {
    registry.putService(ServiceConfig.of("greeter", Endpoint.of("127.0.0.1:8081")));
    RecordingListener greeter = new RecordingListener();
    registry.watch("greeter", greeter);

    registry.putService(ServiceConfig.of("billing", Endpoint.of("127.0.0.1:9000")));
    registry.putService(ServiceConfig.of("greeter", Endpoint.of("127.0.0.1:8081")));
    registry.setDocument(new MeshDocument(MeshSettings.DEFAULT, registry.document().services()));
    registry.removeService("billing");
    registry.removeService("nobody");

    assertThat(greeter.count()).isEqualTo(1);
  }

  @Test
  void anUnknownServiceIsDeliveredAsUnknownAndBecomesKnownWhenItAppears() {
    RecordingListener listener = new RecordingListener();
    registry.watch("greeter", listener);

    assertThat(listener.latest().known()).isFalse();
    assertThat(listener.latest().config()).isEqualTo(ServiceConfig.unknown("greeter"));

    registry.putService(ServiceConfig.builder("greeter").protocol(Protocol.GRPC).addEndpoint(Endpoint.of("127.0.0.1:8081")).build());

    assertThat(listener.latest().known()).isTrue();
    assertThat(listener.latest().config().protocol()).isEqualTo(Protocol.GRPC);

    registry.removeService("greeter");

    assertThat(listener.count()).isEqualTo(3);
    assertThat(listener.latest().known()).isFalse();
    assertThat(listener.latest().config().endpoints()).isEmpty();
  }

  @Test
  void changingTheMeshSettingsNotifiesEveryWatch() {
    registry.putService(ServiceConfig.of("greeter", Endpoint.of("127.0.0.1:8081")));
    RecordingListener greeter = new RecordingListener();
    RecordingListener unknown = new RecordingListener();
    registry.watch("greeter", greeter);
    registry.watch("nobody", unknown);

    MeshSettings strict = new MeshSettings("example.org", TlsMode.STRICT);
    registry.setMesh(strict);

    assertThat(greeter.latest().mesh()).isEqualTo(strict);
    assertThat(unknown.latest().mesh()).isEqualTo(strict);
    assertThat(greeter.latest().version()).isEqualTo(unknown.latest().version());
  }

  @Test
  void aRegisteredEndpointJoinsAfterTheDocumentsOwnAndLeavesWhenClosed() {
    registry.putService(ServiceConfig.of("greeter", Endpoint.of("127.0.0.1:8081")));
    RecordingListener listener = new RecordingListener();
    registry.watch("greeter", listener);
    Endpoint extra = Endpoint.of("127.0.0.1:8082").withZone("b").withLabels(Map.of("version", "v2"));

    Registration registration = registry.register("greeter", extra);

    assertThat(registration.service()).isEqualTo("greeter");
    assertThat(registration.endpoint()).isEqualTo(extra);
    assertThat(listener.latest().config().endpoints()).containsExactly(Endpoint.of("127.0.0.1:8081"), extra);

    registration.close();
    registration.close();

    assertThat(listener.latestAddresses()).containsExactly("127.0.0.1:8081");
    assertThat(listener.count()).isEqualTo(3);
  }

  @Test
  void anAddressTheDocumentListsAlreadyIsNotAddedTwiceAndDoesNotNotify() {
    registry.putService(ServiceConfig.of("greeter", Endpoint.of("127.0.0.1:8081")));
    RecordingListener listener = new RecordingListener();
    registry.watch("greeter", listener);

    registry.register("greeter", Endpoint.of("127.0.0.1:8081").withWeight(5));

    assertThat(listener.count()).isEqualTo(1);
    assertThat(listener.latest().config().endpoints()).containsExactly(Endpoint.of("127.0.0.1:8081"));
  }

  @Test
  void aRegistrationMakesAnUnknownServiceKnownWithDefaultPolicies() {
    RecordingListener listener = new RecordingListener();
    registry.watch("greeter", listener);

    Registration registration = registry.register("greeter", Endpoint.of("127.0.0.1:8081"));

    assertThat(listener.latest().known()).isTrue();
    assertThat(listener.latest().config()).isEqualTo(ServiceConfig.of("greeter", Endpoint.of("127.0.0.1:8081")));

    registration.close();

    assertThat(listener.latest().known()).isFalse();
  }

  @Test
  void aClosedWatchReceivesNothingMore() {
    RecordingListener listener = new RecordingListener();
    Watch watch = registry.watch("greeter", listener);

    watch.close();
    watch.close();
    registry.putService(ServiceConfig.of("greeter", Endpoint.of("127.0.0.1:8081")));

    assertThat(listener.count()).isEqualTo(1);
    assertThat(watch.current().known()).isFalse();
  }

  @Test
  void closingTheRegistryStopsListenersAndRefusesNewWatchesAndRegistrations() {
    RecordingListener listener = new RecordingListener();
    registry.watch("greeter", listener);
    registry.register("greeter", Endpoint.of("127.0.0.1:8081"));

    registry.close();
    registry.close();
    registry.putService(ServiceConfig.of("greeter", Endpoint.of("127.0.0.1:9999")));

    assertThat(listener.count()).isEqualTo(2);
    assertThatThrownBy(() -> registry.watch("greeter", new RecordingListener()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> registry.register("greeter", Endpoint.of("127.0.0.1:8082")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void aListenerThatThrowsDoesNotKeepOthersFromTheirSnapshot() {
    registry.watch("greeter", s -> {
      if (s.known()) throw new IllegalStateException("listener bug, on purpose");
    });
    RecordingListener listener = new RecordingListener();
    registry.watch("greeter", listener);

    registry.putService(ServiceConfig.of("greeter", Endpoint.of("127.0.0.1:8081")));

    assertThat(listener.latest().known()).isTrue();
  }

  @Test
  void aListenerThatChangesTheRegistryLeavesEveryWatchOnTheNewestSnapshot() {
    registry.watch("greeter", s -> {
      if (s.config().endpoints().size() == 1) {
        registry.putService(ServiceConfig.of("greeter", Endpoint.of("127.0.0.1:8081"), Endpoint.of("127.0.0.1:8082")));
      }
    });
    RecordingListener listener = new RecordingListener();
    registry.watch("greeter", listener);

    registry.putService(ServiceConfig.of("greeter", Endpoint.of("127.0.0.1:8081")));

    assertThat(listener.latestAddresses()).containsExactly("127.0.0.1:8081", "127.0.0.1:8082");
    assertThat(listener.snapshots()).extracting(ServiceSnapshot::version).isSorted();
  }

  @Test
  void anInvalidServiceNameIsRefusedWithTheExpectedForm() {
    assertThatThrownBy(() -> registry.watch("Greeter", new RecordingListener()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected");
    assertThatThrownBy(() -> registry.register("Greeter", Endpoint.of("127.0.0.1:8081")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
