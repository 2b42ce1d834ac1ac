package io.meshwork.tls.internal;

import io.meshwork.tls.IdentitySource;
import io.meshwork.tls.PeerIdentityPolicy;
import io.meshwork.tls.SpiffeId;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A trust manager that accepts a peer in two steps, both required:
 *
 * <ol>
 *   <li>its chain leads to a CA of the identity source's current trust bundle: PKIX validation
 *       (RFC 5280, the JDK's {@link CertPathValidator}) at the clock's time, without revocation
 *       checks (mesh certificates are short-lived instead); the leaf must not be a CA and, when
 *       it has an extended key usage, must allow its role ({@code serverAuth} for a server,
 *       {@code clientAuth} for a client);
 *   <li>the SPIFFE ID in its one URI SAN satisfies the {@link PeerIdentityPolicy}.
 * </ol>
 *
 * Host-name verification is not done, whatever the endpoint identification algorithm says:
 * identity verification replaces it. Trust anchors are rebuilt only when the bundle changes.
 *
 * <p>Failures throw {@link CertificateException}s whose messages name the peer's identity and
 * the rule, e.g. {@code server spiffe://example.org/service/billing is not accepted (expected:
 * spiffe://example.org/service/greeter)}; the JDK ends the handshake with a fatal alert and
 * puts the message into the {@code SSLHandshakeException}.
 *
 * <p>Thread-safe. Costs one PKIX validation (a signature check per certificate) per full
 * handshake.
 */
public final class SpiffeTrustManager extends X509ExtendedTrustManager {
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

  private final IdentitySource source;
  private final PeerIdentityPolicy policy;
  private final Clock clock;
  private volatile Anchors anchors;

  public SpiffeTrustManager(IdentitySource source, PeerIdentityPolicy policy, Clock clock) {
    this.source = source;
    this.policy = policy;
    this.clock = clock;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    check(chain, false, session(socket));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    check(chain, false, engine == null ? null : engine.getHandshakeSession());
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    check(chain, false, null);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    check(chain, true, session(socket));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    check(chain, true, engine == null ? null : engine.getHandshakeSession());
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    check(chain, true, null);
  }

  /** The current trust bundle: servers name these CAs when asking for a client certificate. */
  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return anchors().certificates.clone();
  }

  /** The policy peers' identities are checked against. */
  public PeerIdentityPolicy policy() {
    return policy;
  }

  private void check(X509Certificate[] chain, boolean peerIsServer, SSLSession handshake) throws CertificateException {
    String role = peerIsServer ? "server" : "client";
    if (chain == null || chain.length == 0) {
      throw new CertificateException(role + " sent no certificate");
    }
    X509Certificate leaf = chain[0];
    SpiffeId id;
    try {
      id = X509.spiffeIdOf(leaf);
    } catch (CertificateException e) {
      throw new CertificateException(role + " certificate is not an X.509-SVID: " + e.getMessage(), e);
    }
    validate(chain, role, id);
    if (leaf.getBasicConstraints() >= 0) {
      throw new CertificateException(role + " " + id + " presented a CA certificate (expected: a workload certificate)");
    }
    List<String> eku = leaf.getExtendedKeyUsage();
    String needed = peerIsServer ? SERVER_AUTH : CLIENT_AUTH;
    if (eku != null && !eku.contains(needed)) {
      throw new CertificateException(role + " " + id + ": certificate's extended key usage does not allow "
          + (peerIsServer ? "serverAuth" : "clientAuth"));
    }
    if (!policy.accepts(id, handshake)) {
      throw new CertificateException(role + " " + id + " is not accepted (expected: " + policy.expectation() + ")");
    }
  }

  private void validate(X509Certificate[] chain, String role, SpiffeId id) throws CertificateException {
    Anchors a = anchors();
    // The path handed to PKIX excludes the anchor itself, should the peer have sent it.
    List<X509Certificate> path = new ArrayList<>(Arrays.asList(chain));
    while (path.size() > 1 && a.certificateSet.contains(path.get(path.size() - 1))) {
      path.remove(path.size() - 1);
    }
    try {
      CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
      PKIXParameters params = new PKIXParameters(a.anchors);
      params.setRevocationEnabled(false);
      params.setDate(Date.from(clock.instant()));
      CertPathValidator.getInstance("PKIX").validate(certPath, params);
    } catch (CertPathValidatorException e) {
      String why;
      if (e.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
        why = "a certificate of its chain has expired (" + e.getMessage() + ")";
      } else if (e.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
        why = "a certificate of its chain is not yet valid (" + e.getMessage() + ")";
      } else {
        why = "its chain does not lead to a CA of the trust bundle (" + e.getMessage() + ")";
      }
      throw new CertificateException(role + " " + id + " is not trusted: " + why, e);
    } catch (InvalidAlgorithmParameterException e) {
      throw new CertificateException(role + " " + id + " is not trusted: the trust bundle is unusable ("
          + e.getMessage() + ")", e);
    } catch (GeneralSecurityException e) {
      throw new CertificateException(role + " " + id + " is not trusted: " + e.getMessage(), e);
    }
  }

  private Anchors anchors() {
    List<X509Certificate> bundle = source.current().trustBundle();
    Anchors a = anchors;
    if (a == null || a.bundle != bundle) {
      a = new Anchors(bundle);
      anchors = a;
    }
    return a;
  }

  private static SSLSession session(Socket socket) {
    return socket instanceof SSLSocket ? ((SSLSocket) socket).getHandshakeSession() : null;
  }

  private static final class Anchors {
    final List<X509Certificate> bundle;
    final Set<TrustAnchor> anchors = new HashSet<>();
    final Set<X509Certificate> certificateSet;
    final X509Certificate[] certificates;

    Anchors(List<X509Certificate> bundle) {
      this.bundle = bundle;
      for (X509Certificate c : bundle) {
        anchors.add(new TrustAnchor(c, null));
      }
      this.certificateSet = Set.copyOf(bundle);
      this.certificates = bundle.toArray(new X509Certificate[0]);
    }
  }
}
