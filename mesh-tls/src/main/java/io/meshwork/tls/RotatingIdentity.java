package io.meshwork.tls;

import io.meshwork.tls.internal.Listeners;
import io.meshwork.tls.internal.Refresher;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An identity whose certificates come from a {@link CertificateIssuer} (normally the {@link
 * DevCertificateAuthority}) and are renewed at two thirds of their life, long before they
 * expire, so a failed renewal has a third of the lifetime to succeed on a later try.
 *
 * <p>The renewal rule is {@link #renewIfDue(Instant)}: a pure function of the current
 * certificate and the time given. A scheduler calls it with the clock's time every {@linkplain
 * Builder#checkInterval check interval} (a twentieth of the lifetime, between 100 ms and one
 * minute). Checking often rather than sleeping until the due time keeps renewal right after a
 * clock jump or a suspended laptop. Tests build with {@link Builder#manualRenewal()} and call
 * {@code renewIfDue} with a fake clock's time.
 *
 * <p>A failed renewal keeps the current certificate, is logged (WARN once, then DEBUG until a
 * renewal succeeds) and reported to listeners, and is tried again at the next check.
 *
 * <p>Thread-safe. {@link #current()} is a volatile read; renewals are serialized.
 */
public final class RotatingIdentity implements IdentitySource {
  /** Thread name of the renewal thread a rotating identity starts for itself. */
  public static final String THREAD_NAME = "meshwork-identity-renewal";
  private static final Logger log = LoggerFactory.getLogger(RotatingIdentity.class);

  private final CertificateIssuer issuer;
  private final SpiffeId id;
  private final Duration lifetime;
  private final Clock clock;
  private final Listeners listeners = new Listeners();
  private final Refresher refresher;
  private volatile WorkloadCertificate current;
  private boolean failing; // guarded by this

  private RotatingIdentity(Builder b) {
    this.issuer = b.issuer;
    this.id = b.id;
    this.lifetime = b.lifetime;
    this.clock = b.clock;
    this.current = issue();
    this.refresher = b.refresh.start(THREAD_NAME, defaultCheckInterval(lifetime), this::renewIfDue);
  }

  /** Starts building a rotating identity for {@code id}, issued by {@code issuer}. */
  public static Builder builder(CertificateIssuer issuer, SpiffeId id) {
    return new Builder(issuer, id);
  }

  @Override
  public WorkloadCertificate current() {
    return current;
  }

  @Override
  public SpiffeId spiffeId() {
    return id;
  }

  /** The lifetime asked of each certificate. */
  public Duration lifetime() {
    return lifetime;
  }

  /** When the current certificate is due for renewal: two thirds into its validity. */
  public Instant renewalTime() {
    return renewalTime(current);
  }

  /** {@link #renewIfDue(Instant)} at the clock's current time. */
  public boolean renewIfDue() {
    return renewIfDue(clock.instant());
  }

  /**
   * Renews the certificate if {@code now} is at or past its {@linkplain #renewalTime() renewal
   * time}. Costs a volatile read when not due; a key generation and a signature when due.
   *
   * @return whether a new certificate went into force
   */
  public boolean renewIfDue(Instant now) {
    if (now.isBefore(renewalTime(current))) {
      return false;
    }
    synchronized (this) {
      if (now.isBefore(renewalTime(current))) {
        return false; // another thread renewed meanwhile
      }
      return renew();
    }
  }

  /**
   * Issues a new certificate now, whatever its renewal time, with the issuer's current trust
   * bundle: see {@link IdentitySource#rotateNow()}.
   */
  @Override
  public synchronized boolean rotateNow() {
    return renew();
  }

  /** Issues and puts into force a new certificate; the caller holds this object's lock. */
  private boolean renew() {
    WorkloadCertificate previous = current;
    WorkloadCertificate next;
    try {
      next = issue();
    } catch (IdentityException e) {
      if (!failing) {
        log.warn("{}: renewing the certificate failed; keeping {} and trying again", id, previous, e);
      } else {
        log.debug("{}: renewing the certificate failed again", id, e);
      }
      failing = true;
      listeners.failed(e);
      return false;
    }
    failing = false;
    current = next;
    log.debug("{}: renewed the certificate: {} replaces {}", id, next, previous);
    listeners.changed(previous, next);
    return true;
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
    return "RotatingIdentity(" + current + ")";
  }

  static Instant renewalTime(WorkloadCertificate c) {
    Instant from = c.notBefore();
    return from.plus(Duration.between(from, c.notAfter()).multipliedBy(2).dividedBy(3));
  }

  static Duration defaultCheckInterval(Duration lifetime) {
    Duration d = lifetime.dividedBy(20);
    if (d.compareTo(Duration.ofMillis(100)) < 0) return Duration.ofMillis(100);
    if (d.compareTo(Duration.ofMinutes(1)) > 0) return Duration.ofMinutes(1);
    return d;
  }

  private WorkloadCertificate issue() {
    try {
      WorkloadCertificate c = issuer.issue(id, lifetime);
      if (!c.spiffeId().equals(id)) {
        throw new IdentityException("the issuer returned a certificate for " + c.spiffeId() + " (expected: " + id + ")");
      }
      return c;
    } catch (IdentityException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new IdentityException(id + ": cannot issue a certificate (" + e.getMessage() + ")", e);
    }
  }

  /** Builds a {@link RotatingIdentity}. */
  public static final class Builder {
    private final CertificateIssuer issuer;
    private final SpiffeId id;
    private Duration lifetime = DevCertificateAuthority.DEFAULT_LIFETIME;
    private Clock clock = Clock.systemUTC();
    private final RefreshSchedule refresh = new RefreshSchedule("checkInterval");

    private Builder(CertificateIssuer issuer, SpiffeId id) {
      this.issuer = Objects.requireNonNull(issuer, "issuer");
      this.id = Objects.requireNonNull(id, "id");
    }

    /** Lifetime of each certificate; default {@link DevCertificateAuthority#DEFAULT_LIFETIME} (24 h). */
    public Builder lifetime(Duration v) {
      Objects.requireNonNull(v, "lifetime");
      if (v.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("lifetime: " + v + " (expected: at least 1 second)");
      }
      this.lifetime = v;
      return this;
    }

    /** The clock renewal checks read; default the system clock. Use the issuer's clock. */
    public Builder clock(Clock v) {
      this.clock = Objects.requireNonNull(v, "clock");
      return this;
    }

    /** How often the scheduler checks whether renewal is due; default lifetime / 20 within [100 ms, 1 min]. */
    public Builder checkInterval(Duration v) {
      refresh.interval(v);
      return this;
    }

    /** Runs the checks on {@code v} (left running on close); default a daemon thread of its own. */
    public Builder scheduler(ScheduledExecutorService v) {
      refresh.scheduler(v);
      return this;
    }

    /** No background checks: the owner calls {@link RotatingIdentity#renewIfDue(Instant)}. For tests. */
    public Builder manualRenewal() {
      refresh.manual();
      return this;
    }

    /**
     * Issues the first certificate and starts the renewal checks.
     *
     * @throws IdentityException when the first certificate cannot be issued
     */
    public RotatingIdentity build() {
      return new RotatingIdentity(this);
    }
  }
}
