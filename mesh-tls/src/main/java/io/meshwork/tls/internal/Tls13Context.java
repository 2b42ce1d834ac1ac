package io.meshwork.tls.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * An {@link SSLContext} that speaks TLS 1.3 only, over the JDK's own implementation: every
 * socket, server socket and engine it creates, and its default parameters, enable {@code
 * TLSv1.3} alone. A server context also asks for client certificates (required or optional)
 * on everything it creates, so a plain {@code SSLServerSocket} or the JDK's {@code HttpsServer}
 * is mutual TLS without further set-up. Endpoint identification is switched off: the trust
 * manager verifies SPIFFE identities instead of host names.
 *
 * <p>Sessions are not resumed: every connection makes a full handshake, so each one presents
 * the current certificate and checks the peer's against the current trust bundle and clock. A
 * resumed session would carry an identity verified earlier, possibly past its certificate's
 * expiry. Mesh connections are pooled and long-lived, so full handshakes are rare.
 *
 * <p>The context is initialized once with the rotating key and trust managers; {@code init}
 * on it is refused.
 */
public final class Tls13Context {
  public static final String PROTOCOL = "TLSv1.3";
  private static final String[] PROTOCOLS = {PROTOCOL};
  /**
   * A session lifetime longer than TLS 1.3's longest ticket lifetime (7 days, RFC 8446 section
   * 4.6.1). The JDK then neither sends session tickets (server) nor keeps the ones it receives
   * (client), so every connection makes a full handshake. There is no other per-context switch
   * for TLS 1.3 resumption in the JDK; the rotation tests fail if this stops working.
   */
  static final int NO_RESUMPTION_SECONDS = 8 * 24 * 3600;

  /** Whether a server asks for client certificates. */
  public enum ClientCertificates { NONE, OPTIONAL, REQUIRED }

  private Tls13Context() {}

  public static SSLContext create(KeyManager km, TrustManager tm, ClientCertificates clientCertificates) {
    SSLContext delegate;
    try {
      delegate = SSLContext.getInstance(PROTOCOL);
      delegate.init(new KeyManager[] {km}, new TrustManager[] {tm}, new SecureRandom());
      delegate.getServerSessionContext().setSessionTimeout(NO_RESUMPTION_SECONDS);
      delegate.getClientSessionContext().setSessionTimeout(NO_RESUMPTION_SECONDS);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no usable TLS 1.3 implementation", e);
    }
    return new SSLContext(new Spi(delegate, clientCertificates), delegate.getProvider(), PROTOCOL) {};
  }

  static SSLParameters restrict(SSLParameters p, ClientCertificates cc) {
    p.setProtocols(PROTOCOLS.clone());
    p.setEndpointIdentificationAlgorithm(null);
    if (cc == ClientCertificates.REQUIRED) {
      p.setNeedClientAuth(true);
    } else if (cc == ClientCertificates.OPTIONAL) {
      p.setWantClientAuth(true);
    }
    return p;
  }

  private static final class Spi extends SSLContextSpi {
    private final SSLContext delegate;
    private final ClientCertificates cc;

    Spi(SSLContext delegate, ClientCertificates cc) {
      this.delegate = delegate;
      this.cc = cc;
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) throws KeyManagementException {
      throw new KeyManagementException("a mesh SSLContext is initialized by MeshTls and cannot be initialized again");
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      return new SocketFactory(delegate.getSocketFactory(), cc);
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      return new ServerSocketFactory(delegate.getServerSocketFactory(), cc);
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      return configure(delegate.createSSLEngine());
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      return configure(delegate.createSSLEngine(host, port));
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      return delegate.getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      return delegate.getClientSessionContext();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
      return restrict(delegate.getDefaultSSLParameters(), cc);
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
      SSLParameters p = delegate.getSupportedSSLParameters();
      p.setProtocols(PROTOCOLS.clone());
      return p;
    }

    private SSLEngine configure(SSLEngine e) {
      e.setSSLParameters(restrict(e.getSSLParameters(), cc));
      return e;
    }
  }

  private static final class SocketFactory extends SSLSocketFactory {
    private final SSLSocketFactory delegate;
    private final ClientCertificates cc;

    SocketFactory(SSLSocketFactory delegate, ClientCertificates cc) {
      this.delegate = delegate;
      this.cc = cc;
    }

    private Socket configure(Socket s) {
      SSLSocket ssl = (SSLSocket) s;
      ssl.setSSLParameters(restrict(ssl.getSSLParameters(), cc));
      return ssl;
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return delegate.getSupportedCipherSuites();
    }

    @Override
    public Socket createSocket() throws IOException {
      return configure(delegate.createSocket());
    }

    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
      return configure(delegate.createSocket(s, host, port, autoClose));
    }

    @Override
    public Socket createSocket(Socket s, InputStream consumed, boolean autoClose) throws IOException {
      return configure(delegate.createSocket(s, consumed, autoClose));
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return connect(new java.net.InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
      return connect(new java.net.InetSocketAddress(host, port), new java.net.InetSocketAddress(localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return connect(new java.net.InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
        throws IOException {
      return connect(new java.net.InetSocketAddress(address, port),
          new java.net.InetSocketAddress(localAddress, localPort));
    }

    // Configured before connecting, so nothing can start a handshake with other protocols.
    private Socket connect(java.net.InetSocketAddress remote, java.net.InetSocketAddress local) throws IOException {
      Socket s = configure(delegate.createSocket());
      try {
        if (local != null) s.bind(local);
        s.connect(remote);
        return s;
      } catch (IOException | RuntimeException e) {
        s.close();
        throw e;
      }
    }
  }

  private static final class ServerSocketFactory extends SSLServerSocketFactory {
    private final SSLServerSocketFactory delegate;
    private final ClientCertificates cc;

    ServerSocketFactory(SSLServerSocketFactory delegate, ClientCertificates cc) {
      this.delegate = delegate;
      this.cc = cc;
    }

    private ServerSocket configure(ServerSocket s) {
      SSLServerSocket ssl = (SSLServerSocket) s;
      ssl.setSSLParameters(restrict(ssl.getSSLParameters(), cc));
      return ssl;
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return delegate.getSupportedCipherSuites();
    }

    @Override
    public ServerSocket createServerSocket() throws IOException {
      return configure(delegate.createServerSocket());
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
      return configure(delegate.createServerSocket(port));
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog) throws IOException {
      return configure(delegate.createServerSocket(port, backlog));
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress ifAddress) throws IOException {
      return configure(delegate.createServerSocket(port, backlog, ifAddress));
    }
  }
}
