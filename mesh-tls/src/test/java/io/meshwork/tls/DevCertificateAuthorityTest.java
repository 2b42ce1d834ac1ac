package io.meshwork.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevCertificateAuthorityTest {
  @TempDir Path dir;

  @Test
  void theCaIsCreatedOnFirstUseWithAKeyOnlyItsOwnerCanRead() throws Exception {
    Path folder = dir.resolve("registry").resolve(DevCertificateAuthority.FOLDER);

    DevCertificateAuthority ca = DevCertificateAuthority.open(folder);

    assertThat(ca.created()).isTrue();
    Path key = folder.resolve(DevCertificateAuthority.KEY_FILE);
    Path cert = folder.resolve(DevCertificateAuthority.CERTIFICATE_FILE);
    assertThat(key).exists();
    assertThat(cert).exists();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(folder))).isEqualTo("rwx------");
    assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(ca.certificate().getBasicConstraints()).isEqualTo(0);
    assertThat(ca.certificate().getPublicKey().getAlgorithm()).isEqualTo("EC");
    assertThat(ca.certificate().getSubjectX500Principal().getName()).contains("CN=Meshwork development CA");
    assertThat(ca.trustBundle()).containsExactly(ca.certificate());
    // no temporary file is left behind
    try (var files = Files.list(folder)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("ca.pem", "ca-key.pem", DevCertificateAuthority.LOCK_FILE);
    }
  }

  @Test
  void aSecondInstanceOverTheSameFolderLoadsTheSameCa() throws Exception {
    Path folder = dir.resolve(DevCertificateAuthority.FOLDER);
    DevCertificateAuthority first = DevCertificateAuthority.open(folder);
    byte[] keyBytes = Files.readAllBytes(folder.resolve(DevCertificateAuthority.KEY_FILE));

    DevCertificateAuthority second = DevCertificateAuthority.open(folder);

    assertThat(second.created()).isFalse();
    assertThat(second.certificate()).isEqualTo(first.certificate());
    assertThat(Files.readAllBytes(folder.resolve(DevCertificateAuthority.KEY_FILE))).isEqualTo(keyBytes);
    // what one issues, the other's bundle trusts
    WorkloadCertificate c = second.issue(TestPki.id("greeter"), Duration.ofMinutes(5));
    c.leaf().verify(first.certificate().getPublicKey());
  }

  @Test
  void processesStartingTogetherEndUpWithOneCa() throws Exception {
    Path folder = dir.resolve("together");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Callable<DevCertificateAuthority>> opens = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        opens.add(() -> DevCertificateAuthority.open(folder));
      }
      List<DevCertificateAuthority> cas = new ArrayList<>();
      for (Future<DevCertificateAuthority> f : pool.invokeAll(opens, 30, TimeUnit.SECONDS)) {
        cas.add(f.get());
      }
      assertThat(cas).extracting(DevCertificateAuthority::certificate).containsOnly(cas.get(0).certificate());
      assertThat(cas).filteredOn(DevCertificateAuthority::created).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void theDefaultFolderIsBesideTheRegistryFileOrInsideTheRegistryFolder() throws Exception {
    Path file = Files.createFile(dir.resolve("mesh.yaml"));
    assertThat(DevCertificateAuthority.folderBeside(file)).isEqualTo(dir.toAbsolutePath().resolve(".meshwork-ca"));
    Path folder = Files.createDirectory(dir.resolve("mesh.d"));
    assertThat(DevCertificateAuthority.folderBeside(folder))
        .isEqualTo(folder.toAbsolutePath().resolve(".meshwork-ca"));
  }

  @Test
  void aKeyThatDoesNotMatchTheCaCertificateIsRefusedNamingBothFiles() throws Exception {
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    DevCertificateAuthority.open(a);
    DevCertificateAuthority.open(b);
    Files.copy(b.resolve("ca-key.pem"), a.resolve("ca-key.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    assertThatThrownBy(() -> DevCertificateAuthority.open(a))
        .isInstanceOf(IdentityException.class)
        .hasMessageContaining("CA key " + a.resolve("ca-key.pem"))
        .hasMessageContaining("does not match the CA certificate " + a.resolve("ca.pem"));
  }

  @Test
  void anExpiredCaIsRefusedWithAdvice() {
    FakeClock clock = new FakeClock();
    Path folder = dir.resolve("old");
    DevCertificateAuthority.builder(folder).clock(clock).build();
    clock.advance(DevCertificateAuthority.CA_LIFETIME.plusSeconds(1));

    assertThatThrownBy(() -> DevCertificateAuthority.builder(folder).clock(clock).build())
        .isInstanceOf(IdentityException.class)
        .hasMessageContaining("development CA in " + folder + " expired at")
        .hasMessageContaining("delete the folder");
  }

  @Test
  void aFolderThatCannotBeCreatedIsReportedByName() throws Exception {
    Path blocker = Files.createFile(dir.resolve("file"));
    assertThatThrownBy(() -> DevCertificateAuthority.open(blocker.resolve("ca")))
        .isInstanceOf(IdentityException.class)
        .hasMessageContaining("development CA folder " + blocker.resolve("ca"));
  }
}
