package io.meshwork.tls;

import io.meshwork.tls.internal.RotatingKeyManager;
import io.meshwork.tls.internal.SpiffeTrustManager;
import io.meshwork.tls.internal.Tls13Context;
import io.meshwork.tls.internal.X509;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.meshwork.core.Mesh;
import io.meshwork.core.WorkloadIdentity;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Mutual TLS for the mesh, for any transport: TLS 1.3 {@link SSLContext}s, key and trust
 * managers over one {@link IdentitySource}, and the peer identity of a session.
 *
 * <pre>{@code
 * DevCertificateAuthority ca = DevCertificateAuthority.open(DevCertificateAuthority.folderBeside(registryPath));
 * MeshTls tls = MeshTls.builder(ca.identity(SpiffeId.forService(trustDomain, "greeter")))
 *     .meters(meterRegistry, "greeter")
 *     .build();
 *
 * SSLContext server = tls.serverContext();            // needs a client certificate of the trust domain
 * SSLContext toBilling = tls.clientContext("billing"); // accepts only spiffe://<td>/service/billing
 * ...
 * Optional<SpiffeId> caller = MeshTls.peerIdentity(sslSocket.getSession());
 * }</pre>
 *
 * <h2>Rotation</h2>
 *
 * Every context shares one key manager that presents {@link IdentitySource#current()} at each
 * handshake, and trust managers that validate against its current trust bundle; so contexts,
 * clients, channels and servers are built once and rotation reaches every new handshake.
 * Connections already open keep the certificates they were opened with: transports recycle
 * connections after a maximum age (shorter than a third of the certificate lifetime) so that
 * rotation reaches them too. Resumed TLS sessions keep the identity verified when they were
 * first established.
 *
 * <h2>Verification</h2>
 *
 * A peer is accepted when its chain leads to the trust bundle (PKIX, no revocation) and the
 * SPIFFE ID in its certificate satisfies the {@link PeerIdentityPolicy}. Host names are never
 * verified: transports must turn their own host-name checks off (OkHttp: a {@code
 * HostnameVerifier} that accepts, the identity having been verified in the handshake).
 *
 * <p>Thread-safe and immutable; contexts are cheap to create but meant to be created once per
 * server and per destination (or once for all destinations with a connection-aware policy).
 */
public final class MeshTls implements WorkloadIdentity {
  /** The one protocol mesh contexts enable. */
  public static final String PROTOCOL = Tls13Context.PROTOCOL;
  /** {@link #PROTOCOL} as a list, for transports configured with protocol lists (Netty's SslContextBuilder). */
  public static final List<String> PROTOCOLS = List.of(PROTOCOL);
  /** Gauge of seconds until the current certificate expires, tagged {@code service}. */
  public static final String CERTIFICATE_EXPIRY = "mesh.tls.certificate.expiry.seconds";

  private static final String PEER_IDENTITY = "io.meshwork.tls.peer-identity";
  private static final Object NO_IDENTITY = new Object();

  private final IdentitySource source;
  private final Clock clock;
  private final String trustDomain;
  private final RotatingKeyManager keyManager;
  private final MeterRegistry meters;
  private final Gauge expiry;
  /** Whether {@link #close()} closes the source (it was made for, or handed to, a mesh). */
  private final boolean ownsSource;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Whether a server asks for client certificates. */
  public enum ClientAuth {
    /** A client must present a valid certificate; otherwise the handshake fails (strict mode). */
    REQUIRED,
    /** A client may present one; one it presents must be valid (permissive mode over TLS). */
    OPTIONAL
  }

  private MeshTls(Builder b) {
    this.source = b.source;
    this.clock = b.clock;
    this.trustDomain = source.current().spiffeId().trustDomain();
    this.keyManager = new RotatingKeyManager(source);
    this.meters = b.meters;
    this.ownsSource = b.ownsSource;
    this.expiry = b.meters == null ? null
        : Gauge.builder(CERTIFICATE_EXPIRY, this, MeshTls::secondsUntilExpiry)
            .description("Seconds until the certificate this service presents expires")
            .baseUnit("seconds")
            .tag("service", b.service)
            .strongReference(true)
            .register(b.meters);
  }

  /**
   * The mesh's identity from a development certificate authority in {@code folder} (created on
   * first use, shared by every process of the machine; see {@link DevCertificateAuthority}): a
   * short-lived certificate for {@code spiffe://<trust domain>/service/<service>}, the trust
   * domain and service taken from the mesh, renewed before it expires. For local runs and tests;
   * production uses {@link #from(IdentitySource)} with certificates from the platform (cert-manager,
   * SPIRE). Pass it to {@link Mesh.Builder#identity}:
   *
   * <pre>{@code
   * Mesh mesh = Mesh.builder().serviceName("greeter").registry(registry)
   *     .identity(MeshTls.developmentCa(DevCertificateAuthority.folderBeside(registryFile)))
   *     .build();
   * }</pre>
   */
  public static Function<Mesh, MeshTls> developmentCa(Path folder) {
    Objects.requireNonNull(folder, "folder");
    return mesh -> {
      DevCertificateAuthority ca = DevCertificateAuthority.open(folder);
      RotatingIdentity id = ca.identity(SpiffeId.forService(mesh.settings().trustDomain(), mesh.serviceName()));
      return forMesh(mesh, id);
    };
  }

  /**
   * The mesh's identity from {@code source} (e.g. a {@link PemIdentitySource} over the files
   * cert-manager or the SPIFFE helper writes), with the certificate expiry gauge in the mesh's
   * meter registry. The mesh takes the source over: closing the mesh closes it. Pass it to
   * {@link Mesh.Builder#identity}.
   *
   * @throws IllegalArgumentException (when the mesh is built) if the source's SPIFFE ID is not
   *     {@code spiffe://<the registry's trust domain>/service/<the mesh's service>}
   */
  public static Function<Mesh, MeshTls> from(IdentitySource source) {
    Objects.requireNonNull(source, "source");
    return mesh -> {
      SpiffeId id = source.spiffeId();
      String trustDomain = mesh.settings().trustDomain();
      if (!id.isService(trustDomain, mesh.serviceName())) {
        throw new IllegalArgumentException("identity: " + id + " (expected: "
            + SpiffeId.forService(trustDomain, mesh.serviceName())
            + ", this mesh's service in the registry's trust domain)");
      }
      return forMesh(mesh, source);
    };
  }

  private static MeshTls forMesh(Mesh mesh, IdentitySource source) {
    Builder b = builder(source).meters(mesh.meterRegistry(), mesh.serviceName());
    b.ownsSource = true;
    return b.build();
  }

  /**
   * The mesh's identity when it is mesh TLS ({@link Mesh.Builder#identity}), which is what
   * clients, channels and servers built from {@code mesh} use when not given a {@code MeshTls}.
   */
  public static Optional<MeshTls> of(Mesh mesh) {
    Objects.requireNonNull(mesh, "mesh");
    return mesh.identity().filter(MeshTls.class::isInstance).map(MeshTls.class::cast);
  }

  /** The SPIFFE ID of the current certificate, as a string. */
  @Override
  public String spiffeId() {
    return source.spiffeId().toString();
  }

  /**
   * Removes the certificate expiry gauge and, for an identity made for a mesh ({@link
   * #developmentCa}, {@link #from}), closes its source. Contexts already made keep working with
   * the last certificate. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) return;
    if (expiry != null) meters.remove(expiry);
    if (ownsSource) source.close();
  }

  /** Mesh TLS over {@code source}, with the system clock and no meters. */
  public static MeshTls create(IdentitySource source) {
    return builder(source).build();
  }

  /** Starts building mesh TLS over {@code source}. */
  public static Builder builder(IdentitySource source) {
    return new Builder(source);
  }

  /** The identity this side presents. */
  public IdentitySource identity() {
    return source;
  }

  /** The trust domain of this side's identity (when built). */
  public String trustDomain() {
    return trustDomain;
  }

  /**
   * A server context for strict mode: a client certificate is required, and any identity of
   * this trust domain is accepted; the access policy decides who may call what.
   */
  public SSLContext serverContext() {
    return serverContext(ClientAuth.REQUIRED, PeerIdentityPolicy.trustDomain(trustDomain));
  }

  /** A server context asking for client certificates as {@code auth} says, accepting {@code clients}. */
  public SSLContext serverContext(ClientAuth auth, PeerIdentityPolicy clients) {
    Objects.requireNonNull(auth, "auth");
    return Tls13Context.create(keyManager, trustManager(clients),
        auth == ClientAuth.REQUIRED ? Tls13Context.ClientCertificates.REQUIRED : Tls13Context.ClientCertificates.OPTIONAL);
  }

  /** A client context for calls to mesh service {@code service}: accepts only its identity in this trust domain. */
  public SSLContext clientContext(String service) {
    return clientContext(PeerIdentityPolicy.service(trustDomain, service));
  }

  /** A client context that accepts servers whose identity satisfies {@code servers}. */
  public SSLContext clientContext(PeerIdentityPolicy servers) {
    return Tls13Context.create(keyManager, trustManager(servers), Tls13Context.ClientCertificates.NONE);
  }

  /**
   * The key manager every context of this instance shares: presents the source's current
   * certificate at each handshake. For transports that take key managers (gRPC's {@code
   * TlsServerCredentials}, Netty's {@code SslContextBuilder}).
   */
  public X509ExtendedKeyManager keyManager() {
    return keyManager;
  }

  /**
   * A trust manager that validates peers against the source's current trust bundle and then
   * checks their identity with {@code peers}. Does no host-name verification. For transports
   * that take trust managers.
   */
  public X509ExtendedTrustManager trustManager(PeerIdentityPolicy peers) {
    return new SpiffeTrustManager(source, Objects.requireNonNull(peers, "peers"), clock);
  }

  /**
   * The verified SPIFFE ID of the peer of {@code session}, or empty when the peer presented no
   * certificate (or one without a SPIFFE ID). Only meaningful for sessions of contexts built
   * here, whose trust managers verified the certificate. The result is cached in the session,
   * so asking per request costs a map lookup.
   */
  public static Optional<SpiffeId> peerIdentity(SSLSession session) {
    if (session == null) {
      return Optional.empty();
    }
    Object cached = session.getValue(PEER_IDENTITY);
    if (cached instanceof SpiffeId) {
      return Optional.of((SpiffeId) cached);
    }
    if (cached == NO_IDENTITY) {
      return Optional.empty();
    }
    SpiffeId id = null;
    try {
      Certificate[] certs = session.getPeerCertificates();
      if (certs.length > 0 && certs[0] instanceof X509Certificate) {
        id = X509.spiffeIdOf((X509Certificate) certs[0]);
      }
    } catch (SSLPeerUnverifiedException | CertificateException e) {
      id = null;
    }
    session.putValue(PEER_IDENTITY, id == null ? NO_IDENTITY : id);
    return Optional.ofNullable(id);
  }

  /**
   * The SPIFFE ID of a peer certificate that was already verified elsewhere (a servlet
   * container's {@code jakarta.servlet.request.X509Certificate} attribute, whose first element
   * is the leaf), or empty when it carries none. Verification is the caller's business: the
   * container must use {@link #keyManager()} and {@link #trustManager} for this to be an
   * identity.
   */
  public static Optional<SpiffeId> identityOf(X509Certificate leaf) {
    if (leaf == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(X509.spiffeIdOf(leaf));
    } catch (CertificateException e) {
      return Optional.empty();
    }
  }

  private double secondsUntilExpiry() {
    return Duration.between(clock.instant(), source.current().notAfter()).toMillis() / 1000.0;
  }

  /** Builds a {@link MeshTls}. */
  public static final class Builder {
    private final IdentitySource source;
    private Clock clock = Clock.systemUTC();
    private MeterRegistry meters;
    private String service;
    private boolean ownsSource;

    private Builder(IdentitySource source) {
      this.source = Objects.requireNonNull(source, "source");
    }

    /**
     * The clock that peers' certificate validity is checked at and the expiry gauge reads;
     * default the system clock. Tests share one fake clock with the CA.
     */
    public Builder clock(Clock v) {
      this.clock = Objects.requireNonNull(v, "clock");
      return this;
    }

    /**
     * Publishes {@value MeshTls#CERTIFICATE_EXPIRY}{@code {service}} to {@code registry}: seconds
     * until the current certificate's notAfter. The gauge holds this instance.
     */
    public Builder meters(MeterRegistry registry, String service) {
      this.meters = Objects.requireNonNull(registry, "registry");
      this.service = Objects.requireNonNull(service, "service");
      return this;
    }

    public MeshTls build() {
      return new MeshTls(this);
    }
  }
}
