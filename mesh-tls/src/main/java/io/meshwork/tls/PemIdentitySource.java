package io.meshwork.tls;

import io.meshwork.tls.internal.Keys;
import io.meshwork.tls.internal.Listeners;
import io.meshwork.tls.internal.Pem;
import io.meshwork.tls.internal.Refresher;
import io.meshwork.tls.internal.X509;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An identity read from three PEM files, as cert-manager ({@code tls.crt}, {@code tls.key},
 * {@code ca.crt}), Vault agent templates or SPIRE's helper ({@code svid.pem}, {@code
 * svid_key.pem}, {@code svid_bundle.pem}) write them, and reloaded when they change.
 *
 * <h2>Files</h2>
 *
 * <ul>
 *   <li>certificate chain: the workload's X.509-SVID first, then any intermediates;
 *   <li>private key: PKCS#8 ({@code BEGIN PRIVATE KEY}), or the traditional {@code EC PRIVATE
 *       KEY} / {@code RSA PRIVATE KEY} forms; EC or RSA; not encrypted;
 *   <li>trust bundle: the CA certificates peers' chains must lead to.
 * </ul>
 *
 * A file that is missing, unreadable, not PEM, or a key that does not match the certificate
 * (checked by a signature) is refused with an {@link IdentityException} naming the file: by
 * {@link Builder#build()} at start, and by {@link #poll()} later, which then keeps the last
 * good identity in force.
 *
 * <h2>Reloading</h2>
 *
 * {@link #poll()} reads the three files (a few KB) and compares their bytes with what it saw
 * last, so a replacement is seen even when it keeps the size and modification time, and a
 * Kubernetes secret volume's symbolic-link swap is seen like any other. New content that is
 * valid goes into force for the next handshake and listeners are told; invalid content is
 * logged once (WARN), reported to listeners and kept in {@link #lastError()} until valid
 * content arrives. Writers that replace the files one at a time (Vault agent) can be seen
 * half-way, as a key that does not match its certificate: that content is refused and the
 * next poll takes the complete set. By default a daemon thread polls every second.
 *
 * <p>Thread-safe. {@link #current()} is a volatile read; polls are serialized.
 */
public final class PemIdentitySource implements IdentitySource {
  /** Thread name of the poll thread a source starts for itself. */
  public static final String THREAD_NAME = "meshwork-pem-identity";
  /** Default poll interval. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
  private static final Logger log = LoggerFactory.getLogger(PemIdentitySource.class);

  private final Path chainFile;
  private final Path keyFile;
  private final Path bundleFile;
  private final Listeners listeners = new Listeners();
  private final Refresher refresher;
  private volatile WorkloadCertificate current;
  private volatile IdentityException lastError;
  // Guarded by this.
  private byte[][] applied;
  private byte[][] seen;
  private String lastReadProblem;

  private PemIdentitySource(Builder b) {
    this.chainFile = b.chain;
    this.keyFile = b.key;
    this.bundleFile = b.bundle;
    byte[][] contents = readAll();
    this.current = load(contents);
    this.applied = contents;
    this.seen = contents;
    this.refresher = b.refresh.start(THREAD_NAME, DEFAULT_POLL_INTERVAL, this::poll);
  }

  /** Starts building a source over the three files. */
  public static Builder builder(Path certificateChain, Path privateKey, Path trustBundle) {
    return new Builder(certificateChain, privateKey, trustBundle);
  }

  /** A source over a cert-manager secret mounted at {@code folder}: {@code tls.crt}, {@code tls.key}, {@code ca.crt}. */
  public static Builder certManager(Path folder) {
    return builder(folder.resolve("tls.crt"), folder.resolve("tls.key"), folder.resolve("ca.crt"));
  }

  /**
   * A source over the files SPIRE's spiffe-helper writes into {@code folder} with its default
   * names: {@code svid.pem}, {@code svid_key.pem}, {@code svid_bundle.pem}.
   */
  public static Builder spiffeHelper(Path folder) {
    return builder(folder.resolve("svid.pem"), folder.resolve("svid_key.pem"), folder.resolve("svid_bundle.pem"));
  }

  @Override
  public WorkloadCertificate current() {
    return current;
  }

  /** Why the files' latest content was refused, or empty while the files in force are the latest. */
  public Optional<IdentityException> lastError() {
    return Optional.ofNullable(lastError);
  }

  /**
   * Reads the files and puts new valid content into force.
   *
   * @return whether a new certificate went into force
   */
  public synchronized boolean poll() {
    byte[][] contents;
    try {
      contents = readAll();
    } catch (IdentityException e) {
      if (!e.getMessage().equals(lastReadProblem)) {
        lastReadProblem = e.getMessage();
        refuse(e);
      }
      seen = null;
      return false;
    }
    lastReadProblem = null;
    if (same(contents, seen)) {
      return false;
    }
    seen = contents;
    if (same(contents, applied)) {
      lastError = null; // back to the content in force after a refused one
      return false;
    }
    WorkloadCertificate next;
    try {
      next = load(contents);
    } catch (IdentityException e) {
      refuse(e);
      return false;
    }
    WorkloadCertificate previous = current;
    applied = contents;
    current = next;
    lastError = null;
    log.info("reloaded the identity from {}: {} replaces {}", chainFile, next, previous);
    listeners.changed(previous, next);
    return true;
  }

  /** Reads the files now, as {@link #poll()}: see {@link IdentitySource#rotateNow()}. */
  @Override
  public boolean rotateNow() {
    return poll();
  }

  @Override
  public void addListener(IdentityListener listener) {
    listeners.add(listener);
  }

  @Override
  public void removeListener(IdentityListener listener) {
    listeners.remove(listener);
  }

  @Override
  public void close() {
    if (refresher != null) {
      refresher.close();
    }
  }

  @Override
  public String toString() {
    return "PemIdentitySource(" + chainFile + ", " + keyFile + ", " + bundleFile + ": " + current + ")";
  }

  private void refuse(IdentityException e) {
    lastError = e;
    log.warn("refused new identity files; keeping {}: {}", current, e.getMessage());
    listeners.failed(e);
  }

  private byte[][] readAll() {
    return new byte[][] {
      read(chainFile, "certificate chain"), read(keyFile, "private key"), read(bundleFile, "trust bundle")
    };
  }

  private WorkloadCertificate load(byte[][] contents) {
    List<X509Certificate> chain = Pem.certificates(contents[0], "certificate chain " + chainFile);
    PrivateKey key = Pem.privateKey(contents[1], "private key " + keyFile);
    List<X509Certificate> bundle = Pem.certificates(contents[2], "trust bundle " + bundleFile);
    SpiffeId id;
    try {
      id = X509.spiffeIdOf(chain.get(0));
    } catch (CertificateException e) {
      throw new IdentityException("certificate chain " + chainFile + ": " + e.getMessage(), e);
    }
    String mismatch = Keys.mismatch(key, chain.get(0).getPublicKey());
    if (mismatch != null) {
      throw new IdentityException("private key " + keyFile + " does not match the certificate in " + chainFile
          + " (" + id + "): " + mismatch);
    }
    try {
      return WorkloadCertificate.of(key, chain, bundle);
    } catch (IllegalArgumentException e) {
      throw new IdentityException("identity files " + chainFile + ", " + keyFile + ", " + bundleFile + ": "
          + e.getMessage(), e);
    }
  }

  private static byte[] read(Path file, String what) {
    try {
      if (Files.isDirectory(file)) {
        throw new IdentityException(what + " file " + file + ": is a folder (expected: a PEM file)");
      }
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new IdentityException(what + " file " + file + ": not found", e);
    } catch (AccessDeniedException e) {
      throw new IdentityException(what + " file " + file + ": cannot be read (permission denied)", e);
    } catch (IOException e) {
      throw new IdentityException(what + " file " + file + ": cannot be read (" + e + ")", e);
    }
  }

  private static boolean same(byte[][] a, byte[][] b) {
    if (a == null || b == null) return false;
    for (int i = 0; i < a.length; i++) {
      if (!Arrays.equals(a[i], b[i])) return false;
    }
    return true;
  }

  /** Builds a {@link PemIdentitySource}. */
  public static final class Builder {
    private final Path chain;
    private final Path key;
    private final Path bundle;
    private final RefreshSchedule refresh = new RefreshSchedule("pollInterval");

    private Builder(Path chain, Path key, Path bundle) {
      this.chain = Objects.requireNonNull(chain, "certificateChain");
      this.key = Objects.requireNonNull(key, "privateKey");
      this.bundle = Objects.requireNonNull(bundle, "trustBundle");
    }

    /** How often the files are read; default {@link #DEFAULT_POLL_INTERVAL} (1 s). */
    public Builder pollInterval(Duration v) {
      refresh.interval(v);
      return this;
    }

    /** Polls on {@code v} (left running on close); default a daemon thread of its own. */
    public Builder scheduler(ScheduledExecutorService v) {
      refresh.scheduler(v);
      return this;
    }

    /** No background polling: the owner calls {@link PemIdentitySource#poll()}. For tests. */
    public Builder manualPolling() {
      refresh.manual();
      return this;
    }

    /**
     * Reads the files and starts polling.
     *
     * @throws IdentityException naming the file when a file is missing, unreadable or invalid,
     *     or the key does not match the certificate
     */
    public PemIdentitySource build() {
      return new PemIdentitySource(this);
    }
  }
}
