package io.meshwork.http;

import io.meshwork.core.Mesh;
import io.meshwork.tls.IdentityListener;
import io.meshwork.tls.IdentitySource;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.PeerIdentityPolicy;
import io.meshwork.tls.SpiffeId;
import io.meshwork.tls.WorkloadCertificate;
import java.lang.ref.WeakReference;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import okhttp3.ConnectionPool;
import okhttp3.Interceptor;

/**
 * The client half of mutual TLS for a {@link MeshHttp} client with a {@link MeshTls}: what an
 * attempt needs to speak TLS to one destination, given to OkHttp per call through the
 * interceptor chain ({@code withSslSocketFactory}, {@code withHostnameVerifier}), so requests to
 * other hosts keep the client's own TLS settings.
 *
 * <ul>
 *   <li><b>One TLS context per destination</b>, from {@link MeshTls#clientContext(PeerIdentityPolicy)}:
 *       TLS 1.3, this workload's current certificate at each handshake, and a trust manager that
 *       accepts only a server whose chain leads to the trust bundle and whose SPIFFE ID is the one
 *       the registry expects for the destination, {@code spiffe://<trust domain>/service/<name>}
 *       (the trust domain read at each handshake). A wrong server fails the handshake, before
 *       the request is written. OkHttp keys pooled connections by their socket factory, so a
 *       connection verified for one service is never reused for another, even at the same
 *       address.
 *   <li><b>Host names are not verified</b>: the identity was, in the handshake ({@link
 *       #IDENTITY_VERIFIED}).
 *   <li><b>Rotation</b>: when this workload's certificate changes, the idle connections of every
 *       connection pool the client used are evicted (OkHttp can only evict whole pools, so
 *       idle connections to other hosts go too, once per rotation); connections in use are
 *       recycled by the mesh server's maximum connection age.
 * </ul>
 *
 * <p>Thread-safe. Per attempt: a map lookup and a reference comparison; contexts are built once
 * per destination.
 */
final class ClientTls {
  /** Accepts every host name: the server's identity was verified during the handshake instead. */
  static final HostnameVerifier IDENTITY_VERIFIED = new HostnameVerifier() {
    @Override
    public boolean verify(String hostname, SSLSession session) {
      return true;
    }

    @Override
    public String toString() {
      return "mesh identity verified in the handshake";
    }
  };

  private final Mesh mesh;
  private final MeshTls tls;
  private final ConcurrentHashMap<String, Secured> byService = new ConcurrentHashMap<>();
  private final Set<ConnectionPool> pools = Collections.newSetFromMap(new WeakHashMap<>()); // guarded by itself
  private volatile ConnectionPool lastPool;

  /** A destination's socket factory and the trust manager inside it. */
  private record Secured(SSLSocketFactory socketFactory, X509ExtendedTrustManager trustManager) {}

  ClientTls(Mesh mesh, MeshTls tls) {
    this.mesh = mesh;
    this.tls = tls;
    tls.identity().addListener(new Evictor(this, tls.identity()));
  }

  MeshTls tls() {
    return tls;
  }

  /** {@code chain} set up to speak mutual TLS to {@code service}. */
  Interceptor.Chain secure(Interceptor.Chain chain, String service) {
    ConnectionPool pool = chain.getConnectionPool();
    if (pool != lastPool) track(pool);
    Secured s = byService.get(service);
    if (s == null) s = byService.computeIfAbsent(service, this::secured);
    return chain.withSslSocketFactory(s.socketFactory, s.trustManager).withHostnameVerifier(IDENTITY_VERIFIED);
  }

  /**
   * {@code builder} set up to speak mutual TLS to {@code service} (for the health checker's own
   * client, which is not an interceptor chain): the same socket factory and trust manager as
   * mesh calls get.
   */
  okhttp3.OkHttpClient.Builder secure(okhttp3.OkHttpClient.Builder builder, String service) {
    Secured s = byService.get(service);
    if (s == null) s = byService.computeIfAbsent(service, this::secured);
    return builder.sslSocketFactory(s.socketFactory, s.trustManager).hostnameVerifier(IDENTITY_VERIFIED);
  }

  private Secured secured(String service) {
    PeerIdentityPolicy expected = expectedServer(mesh, service);
    return new Secured(tls.clientContext(expected).getSocketFactory(), tls.trustManager(expected));
  }

  private void track(ConnectionPool pool) {
    synchronized (pools) {
      pools.add(pool);
    }
    lastPool = pool;
  }

  private void evictIdleConnections() {
    ConnectionPool[] snapshot;
    synchronized (pools) {
      snapshot = pools.toArray(new ConnectionPool[0]);
    }
    for (ConnectionPool p : snapshot) p.evictAll();
  }

  /**
   * Accepts a server whose identity is the one the registry expects for {@code service}: {@code
   * spiffe://<the registry's trust domain>/service/<service>}, the trust domain read at each
   * handshake, so a change reaches the next connection. The same rule as mesh-grpc's channels.
   */
  static PeerIdentityPolicy expectedServer(Mesh mesh, String service) {
    return new PeerIdentityPolicy() {
      private volatile SpiffeId cached;

      @Override
      public boolean accepts(SpiffeId peer, SSLSession handshake) {
        return peer.equals(expected());
      }

      @Override
      public String expectation() {
        return expected().toString();
      }

      private SpiffeId expected() {
        String trustDomain = mesh.destination(service).snapshot().mesh().trustDomain();
        SpiffeId id = cached;
        if (id == null || !id.isMemberOf(trustDomain)) {
          id = SpiffeId.forService(trustDomain, service);
          cached = id;
        }
        return id;
      }

      @Override
      public String toString() {
        return expectation();
      }
    };
  }

  /**
   * Evicts idle connections on rotation. Holds the client weakly, so an identity shared by many
   * clients does not keep them alive, and leaves the identity once the client is gone.
   */
  private static final class Evictor implements IdentityListener {
    private final WeakReference<ClientTls> client;
    private final IdentitySource identity;

    Evictor(ClientTls client, IdentitySource identity) {
      this.client = new WeakReference<>(client);
      this.identity = identity;
    }

    @Override
    public void certificateChanged(WorkloadCertificate previous, WorkloadCertificate current) {
      ClientTls c = client.get();
      if (c == null) {
        identity.removeListener(this);
      } else {
        c.evictIdleConnections();
      }
    }
  }
}
