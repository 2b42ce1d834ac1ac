package io.meshwork.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateExpiryGaugeTest {
  @TempDir Path dir;

  @Test
  void theGaugeCountsSecondsUntilTheCurrentCertificateExpires() {
    TestPki pki = new TestPki(dir.resolve("ca"));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (RotatingIdentity id = pki.identity("greeter", Duration.ofSeconds(90))) {
      MeshTls.builder(id).clock(pki.clock).meters(registry, "greeter").build();
      Gauge gauge = registry.get(MeshTls.CERTIFICATE_EXPIRY).tag("service", "greeter").gauge();

      assertThat(gauge.value()).isEqualTo(90.0);
      pki.clock.advance(Duration.ofMillis(59_500));
      assertThat(gauge.value()).isEqualTo(30.5);
      pki.clock.advance(Duration.ofSeconds(1)); // past two thirds: renewed, from the clock's second
      assertThat(id.renewIfDue()).isTrue();
      assertThat(gauge.value()).isEqualTo(89.5);
      assertThat(gauge.getId().getBaseUnit()).isEqualTo("seconds");
    }
  }
}
