package io.meshwork.tls;

import io.meshwork.tls.internal.Keys;
import io.meshwork.tls.internal.OwnerOnlyFiles;
import io.meshwork.tls.internal.Pem;
import io.meshwork.tls.internal.X509;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded development certificate authority: an ECDSA P-256 key and a self-signed CA
 * certificate kept in a folder, by default {@value #FOLDER} beside the file registry ({@link
 * #folderBeside}), created on first use and loaded back by every later process over the same
 * folder, so all services of a machine trust each other.
 *
 * <h2>Files</h2>
 *
 * {@value #CERTIFICATE_FILE} (the CA certificate, PEM) and {@value #KEY_FILE} (its PKCS#8 PEM
 * key, {@code rw-------}: readable and writable by its owner only, from the moment it exists).
 * A new folder is {@code rwx------}. Both files are written atomically, and creation holds a
 * lock file ({@value #LOCK_FILE}) so that processes starting together end up with one CA, not
 * one each. A key file readable by others is used but logged as a warning. The CA certificate
 * is valid for ten years; an expired one is refused with the advice to delete the folder.
 *
 * <h2>Workload certificates</h2>
 *
 * {@link #issue} makes a new P-256 key pair and an X.509-SVID: the SPIFFE ID as its only URI
 * SAN (no DNS SAN), {@code digitalSignature} key usage, {@code serverAuth} and {@code
 * clientAuth} extended key usage, a random 127-bit serial, valid from now (to the second) for
 * the lifetime asked ({@value #DEFAULT_LIFETIME_HOURS} h by default), never past the CA's own
 * expiry. The key never leaves the process. {@link #identity} wraps this in a {@link
 * RotatingIdentity} that renews at two thirds of the lifetime.
 *
 * <p>This CA is for development and single-machine meshes: its key sits unencrypted on disk.
 * Production uses {@link PemIdentitySource} over certificates from cert-manager, Vault or
 * SPIRE.
 *
 * <p>Thread-safe. Issuing costs one key generation and one signature, about a millisecond.
 */
public final class DevCertificateAuthority implements CertificateIssuer {
  /** Name of the folder beside the registry that holds the CA. */
  public static final String FOLDER = ".meshwork-ca";
  /** The CA certificate, PEM. */
  public static final String CERTIFICATE_FILE = "ca.pem";
  /** The CA private key, PKCS#8 PEM, owner-only. */
  public static final String KEY_FILE = "ca-key.pem";
  /** Held while the CA is created or loaded. */
  public static final String LOCK_FILE = ".lock";
  static final int DEFAULT_LIFETIME_HOURS = 24;
  /** Default lifetime of workload certificates. */
  public static final Duration DEFAULT_LIFETIME = Duration.ofHours(DEFAULT_LIFETIME_HOURS);
  /** Lifetime of a new CA certificate. */
  public static final Duration CA_LIFETIME = Duration.ofDays(3650);

  private static final Logger log = LoggerFactory.getLogger(DevCertificateAuthority.class);
  // FileLock is per process: threads of one process over the same folder take this first.
  private static final ConcurrentHashMap<Path, Object> IN_PROCESS_LOCKS = new ConcurrentHashMap<>();

  private final Path folder;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final X509Certificate certificate;
  private final PrivateKey key;
  private final List<X509Certificate> trustBundle;
  private final boolean created;

  private DevCertificateAuthority(Builder b) {
    this.folder = b.folder;
    this.clock = b.clock;
    Loaded loaded = loadOrCreate();
    this.certificate = loaded.certificate;
    this.key = loaded.key;
    this.created = loaded.created;
    this.trustBundle = List.of(certificate);
  }

  /** Opens (or creates) the CA in {@code folder}, with the system clock. */
  public static DevCertificateAuthority open(Path folder) {
    return builder(folder).build();
  }

  /** Starts building a CA over {@code folder}. */
  public static Builder builder(Path folder) {
    return new Builder(folder);
  }

  /**
   * The default CA folder for a file registry over {@code registryPath}: {@value #FOLDER}
   * inside it when it is a folder, beside it when it is a file (where the registry keeps its
   * registrations too).
   */
  public static Path folderBeside(Path registryPath) {
    Path abs = registryPath.toAbsolutePath();
    Path parent = Files.isDirectory(abs) ? abs : abs.getParent();
    return parent.resolve(FOLDER);
  }

  /** The folder holding the CA. */
  public Path folder() {
    return folder;
  }

  /** Whether this instance created the CA, rather than loading an existing one. */
  public boolean created() {
    return created;
  }

  /** The CA certificate. */
  public X509Certificate certificate() {
    return certificate;
  }

  /** The trust bundle of certificates issued here: the CA certificate alone. */
  public List<X509Certificate> trustBundle() {
    return trustBundle;
  }

  /**
   * A new key pair and X.509-SVID for {@code id}, valid from now (the clock's second) for
   * {@code lifetime}, or until the CA expires if that is sooner.
   *
   * @throws IllegalArgumentException when {@code lifetime} is under one second
   * @throws IdentityException when the CA has expired
   */
  @Override
  public WorkloadCertificate issue(SpiffeId id, Duration lifetime) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(lifetime, "lifetime");
    if (lifetime.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("lifetime: " + lifetime + " (expected: at least 1 second)");
    }
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    Instant caEnd = certificate.getNotAfter().toInstant();
    if (!now.isBefore(caEnd)) {
      throw expired(caEnd);
    }
    Instant notAfter = now.plus(lifetime);
    if (notAfter.isAfter(caEnd)) {
      notAfter = caEnd;
    }
    KeyPair pair = Keys.newP256(random);
    X509Certificate leaf = X509.svid(id, pair.getPublic(), certificate, key, now, notAfter, random);
    return WorkloadCertificate.of(pair.getPrivate(), List.of(leaf), trustBundle);
  }

  /**
   * A rotating identity for {@code id}: certificates of {@link #DEFAULT_LIFETIME}, renewed at
   * two thirds of their life by a daemon thread. For other settings use {@link
   * RotatingIdentity#builder}.
   */
  public RotatingIdentity identity(SpiffeId id) {
    return RotatingIdentity.builder(this, id).clock(clock).build();
  }

  @Override
  public String toString() {
    return "DevCertificateAuthority(" + folder + ", " + certificate.getSubjectX500Principal() + ")";
  }

  private IdentityException expired(Instant caEnd) {
    return new IdentityException("development CA in " + folder + " expired at " + caEnd
        + "; delete the folder to create a new one (every service of the mesh must then restart)");
  }

  private Loaded loadOrCreate() {
    Path key = folder.toAbsolutePath().normalize();
    Object monitor = IN_PROCESS_LOCKS.computeIfAbsent(key, k -> new Object());
    synchronized (monitor) {
      try {
        OwnerOnlyFiles.createFolder(folder);
      } catch (IOException e) {
        throw new IdentityException("development CA folder " + folder + ": cannot create it (" + e + ")", e);
      }
      try (FileChannel ch = FileChannel.open(folder.resolve(LOCK_FILE), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE)) {
        FileLock lock = ch.lock(); // released with the channel, also on failure
        Path certFile = folder.resolve(CERTIFICATE_FILE);
        Path keyFile = folder.resolve(KEY_FILE);
        Loaded loaded = Files.exists(certFile) && Files.exists(keyFile) ? load(certFile, keyFile) : create(certFile, keyFile);
        lock.release();
        return loaded;
      } catch (IOException e) {
        throw new IdentityException("development CA folder " + folder + ": " + e, e);
      }
    }
  }

  private Loaded load(Path certFile, Path keyFile) throws IOException {
    List<X509Certificate> certs = Pem.certificates(read(certFile, "CA certificate"), "CA certificate " + certFile);
    PrivateKey k = Pem.privateKey(read(keyFile, "CA key"), "CA key " + keyFile);
    X509Certificate cert = certs.get(0);
    String mismatch = Keys.mismatch(k, cert.getPublicKey());
    if (mismatch != null) {
      throw new IdentityException("CA key " + keyFile + " does not match the CA certificate " + certFile
          + " (" + mismatch + ")");
    }
    if (cert.getBasicConstraints() < 0) {
      throw new IdentityException("CA certificate " + certFile + " is not a CA certificate (basic constraints cA=false)");
    }
    Instant end = cert.getNotAfter().toInstant();
    if (!clock.instant().isBefore(end)) {
      throw expired(end);
    }
    if (OwnerOnlyFiles.readableByOthers(keyFile)) {
      log.warn("development CA key {} can be read or written by other users; it should be rw------- (chmod 600)",
          keyFile);
    }
    log.debug("loaded the development CA from {}", folder);
    return new Loaded(cert, k, false);
  }

  private Loaded create(Path certFile, Path keyFile) throws IOException {
    KeyPair pair = Keys.newP256(random);
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    X509Certificate cert = X509.selfSignedCa(pair, "Meshwork development CA", now, now.plus(CA_LIFETIME), random);
    OwnerOnlyFiles.write(keyFile, Pem.encodePrivateKey(pair.getPrivate()).getBytes(StandardCharsets.US_ASCII), true);
    OwnerOnlyFiles.write(certFile, Pem.encodeCertificates(List.of(cert)).getBytes(StandardCharsets.US_ASCII), false);
    log.info("created a development CA in {} (key readable by its owner only)", folder);
    return new Loaded(cert, pair.getPrivate(), true);
  }

  private static byte[] read(Path file, String what) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IdentityException(what + " " + file + ": cannot read it (" + e + ")", e);
    }
  }

  private static final class Loaded {
    final X509Certificate certificate;
    final PrivateKey key;
    final boolean created;

    Loaded(X509Certificate certificate, PrivateKey key, boolean created) {
      this.certificate = certificate;
      this.key = key;
      this.created = created;
    }
  }

  /** Builds a {@link DevCertificateAuthority}. */
  public static final class Builder {
    private final Path folder;
    private Clock clock = Clock.systemUTC();

    private Builder(Path folder) {
      this.folder = Objects.requireNonNull(folder, "folder");
    }

    /** The clock for validity periods; default the system clock. Tests use a fake one. */
    public Builder clock(Clock v) {
      this.clock = Objects.requireNonNull(v, "clock");
      return this;
    }

    /**
     * Loads the CA from the folder, or creates it there when it holds none.
     *
     * @throws IdentityException when the folder cannot be written or its files are unusable
     */
    public DevCertificateAuthority build() {
      return new DevCertificateAuthority(this);
    }
  }
}
