package io.meshwork.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RotatingIdentityTest {
  @TempDir Path dir;
  TestPki pki;

  @BeforeEach
  void setUp() {
    pki = new TestPki(dir.resolve("ca"));
  }

  @Test
  void renewalIsDueAtTwoThirdsOfTheLifetime() {
    try (RotatingIdentity id = pki.identity("greeter", Duration.ofSeconds(30))) {
      WorkloadCertificate first = id.current();
      assertThat(id.renewalTime()).isEqualTo(first.notBefore().plusSeconds(20));

      assertThat(id.renewIfDue(pki.clock.instant().plusSeconds(19))).isFalse();
      assertThat(id.current()).isSameAs(first);

      pki.clock.advance(Duration.ofSeconds(20));
      assertThat(id.renewIfDue()).isTrue();
      WorkloadCertificate second = id.current();
      assertThat(second).isNotSameAs(first);
      assertThat(second.spiffeId()).isEqualTo(first.spiffeId());
      assertThat(second.notBefore()).isEqualTo(pki.clock.instant());
      assertThat(second.leaf().getPublicKey()).isNotEqualTo(first.leaf().getPublicKey());
      assertThat(id.renewIfDue()).as("not due again right after renewing").isFalse();
    }
  }

  @Test
  void aDayLongCertificateIsRenewedAfterSixteenHours() {
    try (RotatingIdentity id = RotatingIdentity.builder(pki.ca, TestPki.id("greeter")).clock(pki.clock)
        .manualRenewal().build()) {
      assertThat(id.current().lifetime()).isEqualTo(Duration.ofHours(24));
      assertThat(id.renewIfDue(pki.clock.instant().plus(Duration.ofHours(16)).minusSeconds(1))).isFalse();
      assertThat(id.renewIfDue(pki.clock.instant().plus(Duration.ofHours(16)))).isTrue();
    }
  }

  @Test
  void listenersHearEachRotation() {
    try (RotatingIdentity id = pki.identity("greeter", Duration.ofSeconds(6))) {
      List<String> heard = new CopyOnWriteArrayList<>();
      IdentityListener l = (previous, current) -> heard.add(previous.leaf().getSerialNumber() + ">"
          + current.leaf().getSerialNumber());
      id.addListener(l);
      WorkloadCertificate first = id.current();
      pki.clock.advance(Duration.ofSeconds(4));
      id.renewIfDue();
      WorkloadCertificate second = id.current();
      id.removeListener(l);
      pki.clock.advance(Duration.ofSeconds(4));
      id.renewIfDue();

      assertThat(heard).containsExactly(first.leaf().getSerialNumber() + ">" + second.leaf().getSerialNumber());
    }
  }

  @Test
  void aFailedRenewalKeepsTheCurrentCertificateAndIsTriedAgain() {
    AtomicBoolean broken = new AtomicBoolean();
    CertificateIssuer flaky = (spiffeId, lifetime) -> {
      if (broken.get()) throw new IdentityException("CA unreachable");
      return pki.ca.issue(spiffeId, lifetime);
    };
    try (RotatingIdentity id = RotatingIdentity.builder(flaky, TestPki.id("greeter")).lifetime(Duration.ofSeconds(9))
        .clock(pki.clock).manualRenewal().build()) {
      List<IdentityException> failures = new CopyOnWriteArrayList<>();
      id.addListener(new IdentityListener() {
        @Override
        public void certificateChanged(WorkloadCertificate previous, WorkloadCertificate current) {}

        @Override
        public void refreshFailed(IdentityException problem) {
          failures.add(problem);
        }
      });
      WorkloadCertificate first = id.current();
      broken.set(true);
      pki.clock.advance(Duration.ofSeconds(6));

      assertThat(id.renewIfDue()).isFalse();
      assertThat(id.renewIfDue()).isFalse();
      assertThat(id.current()).isSameAs(first);
      assertThat(failures).hasSize(2).first().extracting(Throwable::getMessage).isEqualTo("CA unreachable");

      broken.set(false);
      pki.clock.advance(Duration.ofSeconds(1));
      assertThat(id.renewIfDue()).isTrue();
      assertThat(id.current().notBefore()).isEqualTo(pki.clock.instant());
    }
  }

  @Test
  void anIssuerThatAnswersForAnotherIdentityIsRefused() {
    CertificateIssuer wrong = (spiffeId, lifetime) -> pki.ca.issue(TestPki.id("other"), lifetime);
    assertThatThrownBy(() -> RotatingIdentity.builder(wrong, TestPki.id("greeter")).manualRenewal().build())
        .isInstanceOf(IdentityException.class)
        .hasMessage("the issuer returned a certificate for spiffe://example.org/service/other "
            + "(expected: spiffe://example.org/service/greeter)");
  }

  @Test
  void theCheckIntervalIsATwentiethOfTheLifetimeWithinBounds() {
    assertThat(RotatingIdentity.defaultCheckInterval(Duration.ofHours(24))).isEqualTo(Duration.ofMinutes(1));
    assertThat(RotatingIdentity.defaultCheckInterval(Duration.ofMinutes(10))).isEqualTo(Duration.ofSeconds(30));
    assertThat(RotatingIdentity.defaultCheckInterval(Duration.ofSeconds(5))).isEqualTo(Duration.ofMillis(250));
    assertThat(RotatingIdentity.defaultCheckInterval(Duration.ofSeconds(1))).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void aGivenSchedulerRunsTheChecksAndIsLeftRunningOnClose() {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try {
      RotatingIdentity id = RotatingIdentity.builder(pki.ca, TestPki.id("greeter")).lifetime(Duration.ofSeconds(3))
          .clock(pki.clock).scheduler(scheduler).checkInterval(Duration.ofMillis(5)).build();
      WorkloadCertificate first = id.current();
      pki.clock.advance(Duration.ofSeconds(2));
      await().atMost(Duration.ofSeconds(5)).until(() -> id.current() != first);
      id.close();
      assertThat(scheduler.isShutdown()).isFalse();
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void theOwnRenewalThreadStopsOnClose() {
    RotatingIdentity id = RotatingIdentity.builder(pki.ca, TestPki.id("greeter")).clock(pki.clock).build();
    await().atMost(Duration.ofSeconds(5)).until(() -> threadAlive(RotatingIdentity.THREAD_NAME));
    id.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> !threadAlive(RotatingIdentity.THREAD_NAME));
  }

  private static boolean threadAlive(String name) {
    return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
  }

  @Test
  void rotateNowIssuesANewCertificateLongBeforeItsRenewalTimeAndTellsListeners() {
    try (RotatingIdentity id = pki.identity("greeter", Duration.ofHours(1))) {
      WorkloadCertificate first = id.current();
      List<String> heard = new CopyOnWriteArrayList<>();
      id.addListener((previous, next) ->
          heard.add(previous.leaf().getSerialNumber() + "->" + next.leaf().getSerialNumber()));

      assertThat(id.renewIfDue()).as("not due for 40 minutes").isFalse();
      assertThat(id.rotateNow()).isTrue();

      WorkloadCertificate second = id.current();
      assertThat(second.leaf().getSerialNumber()).isNotEqualTo(first.leaf().getSerialNumber());
      assertThat(second.leaf().getPublicKey()).isNotEqualTo(first.leaf().getPublicKey());
      assertThat(heard).containsExactly(first.leaf().getSerialNumber() + "->" + second.leaf().getSerialNumber());
    }
  }

  @Test
  void rotateNowTakesTheIssuersNewTrustBundle() {
    TestPki other = new TestPki(dir.resolve("other-ca"));
    List<java.security.cert.X509Certificate> bundle = new CopyOnWriteArrayList<>(List.of(pki.ca.certificate()));
    CertificateIssuer issuer = (spiffeId, lifetime) -> {
      WorkloadCertificate c = pki.ca.issue(spiffeId, lifetime);
      return WorkloadCertificate.of(c.privateKey(), c.chain(), List.copyOf(bundle));
    };
    try (RotatingIdentity id = RotatingIdentity.builder(issuer, TestPki.id("greeter")).clock(pki.clock)
        .manualRenewal().build()) {
      assertThat(id.current().trustBundle()).containsExactly(pki.ca.certificate());

      bundle.add(other.ca.certificate()); // trust the new CA beside the old one
      assertThat(id.rotateNow()).isTrue();

      assertThat(id.current().trustBundle()).containsExactly(pki.ca.certificate(), other.ca.certificate());
    }
  }

  @Test
  void aFailedRotationKeepsTheCurrentCertificate() {
    AtomicBoolean fail = new AtomicBoolean();
    CertificateIssuer issuer = (spiffeId, lifetime) -> {
      if (fail.get()) throw new IdentityException("the CA is unreachable");
      return pki.ca.issue(spiffeId, lifetime);
    };
    try (RotatingIdentity id = RotatingIdentity.builder(issuer, TestPki.id("greeter")).clock(pki.clock)
        .manualRenewal().build()) {
      WorkloadCertificate first = id.current();
      fail.set(true);

      assertThat(id.rotateNow()).isFalse();
      assertThat(id.current()).isSameAs(first);
    }
  }
}
