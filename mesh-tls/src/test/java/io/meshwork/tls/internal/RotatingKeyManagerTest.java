package io.meshwork.tls.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.tls.DevCertificateAuthority;
import io.meshwork.tls.RotatingIdentity;
import io.meshwork.tls.SpiffeId;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RotatingKeyManagerTest {
  @TempDir Path dir;

  @Test
  void aChainAndKeyAlwaysBelongToTheAliasChosenEvenWhenARotationComesBetween() {
    DevCertificateAuthority ca = DevCertificateAuthority.open(dir);
    try (RotatingIdentity id = RotatingIdentity.builder(ca, SpiffeId.forService("example.org", "greeter"))
        .lifetime(Duration.ofSeconds(3)).manualRenewal().build()) {
      RotatingKeyManager km = new RotatingKeyManager(id);
      String before = km.chooseServerAlias("EC", null, null);

      assertThat(id.renewIfDue(Instant.now().plusSeconds(60))).isTrue();
      String after = km.chooseEngineServerAlias("EC", null, null);

      assertThat(after).isNotEqualTo(before);
      assertThat(km.getCertificateChain(after)[0]).isEqualTo(id.current().leaf());
      assertThat(km.getPrivateKey(after)).isEqualTo(id.current().privateKey());
      // the handshake that chose "before" still gets a matching pair
      assertThat(Keys.mismatch(km.getPrivateKey(before), km.getCertificateChain(before)[0].getPublicKey())).isNull();
      assertThat(km.getCertificateChain(before)[0]).isNotEqualTo(id.current().leaf());

      assertThat(id.renewIfDue(Instant.now().plusSeconds(120))).isTrue();
      km.chooseClientAlias(new String[] {"EC"}, null, null);
      assertThat(km.getCertificateChain(before)).as("two rotations ago").isNull();
      assertThat(km.getCertificateChain("unknown")).isNull();
    }
  }

  @Test
  void onlyKeyTypesOfTheCertificatesKeyAreAnswered() {
    DevCertificateAuthority ca = DevCertificateAuthority.open(dir);
    try (RotatingIdentity id = RotatingIdentity.builder(ca, SpiffeId.forService("example.org", "greeter"))
        .manualRenewal().build()) {
      RotatingKeyManager km = new RotatingKeyManager(id);
      assertThat(km.chooseServerAlias("RSA", null, null)).isNull();
      assertThat(km.chooseServerAlias("RSASSA-PSS", null, null)).isNull();
      assertThat(km.chooseClientAlias(new String[] {"RSA", "EC"}, null, null)).startsWith("meshwork-");
      assertThat(km.chooseServerAlias("EC_EC", null, null)).startsWith("meshwork-");
      assertThat(km.getServerAliases("EC", null)).hasSize(1);
      assertThat(km.getClientAliases("RSA", null)).isNull();
    }
  }
}
