package io.meshwork.http;

import java.nio.ByteBuffer;
import java.util.function.BiFunction;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;

/**
 * The engine of a connection accepted in permissive mode: plaintext and TLS on one port. The
 * first byte the client sends decides, as in mesh-grpc's servers: {@code 0x16} (a TLS handshake
 * record) → the TLS engine it was given (client certificate optional); anything else (an HTTP
 * method's first letter) → a {@link PlaintextEngine}. The bytes are not consumed by the
 * decision: the chosen engine reads them.
 *
 * <p>Until it has decided it asks for data ({@code BUFFER_UNDERFLOW}) and reports the TLS
 * engine's buffer sizes; a connection closed before its first byte becomes a closed plaintext
 * one. Settings given to it are ignored: the TLS engine was configured by the mesh's context,
 * and the JDK server's configurator must not loosen it. Afterwards every call goes to the chosen
 * engine.
 */
final class SniffingEngine extends SSLEngine {
  /** The content type of a TLS handshake record, the first byte a TLS client sends. */
  static final int TLS_HANDSHAKE = 0x16;

  private final SSLEngine tls;
  private volatile SSLEngine chosen;

  SniffingEngine(SSLEngine tls, String host, int port) {
    super(host, port);
    this.tls = tls;
  }

  /** Whether this connection turned out to be TLS (false while undecided). */
  boolean isTls() {
    return chosen == tls;
  }

  private SSLEngine plaintext() {
    SSLEngine p = new PlaintextEngine(getPeerHost(), getPeerPort());
    chosen = p;
    return p;
  }

  @Override
  public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) throws SSLException {
    SSLEngine e = chosen;
    if (e == null) {
      if (!src.hasRemaining()) {
        return new SSLEngineResult(Status.BUFFER_UNDERFLOW, HandshakeStatus.NOT_HANDSHAKING, 0, 0);
      }
      if ((src.get(src.position()) & 0xff) == TLS_HANDSHAKE) {
        chosen = tls;
        e = tls;
      } else {
        e = plaintext();
      }
    }
    return e.unwrap(src, dsts, offset, length);
  }

  @Override
  public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) throws SSLException {
    SSLEngine e = chosen;
    if (e == null) {
      // HTTP servers speak second; only a close comes before the client's first byte.
      for (int i = offset; i < offset + length; i++) {
        if (srcs[i].hasRemaining()) throw new SSLException("nothing may be sent before the client's first byte");
      }
      return new SSLEngineResult(Status.OK, HandshakeStatus.NOT_HANDSHAKING, 0, 0);
    }
    return e.wrap(srcs, offset, length, dst);
  }

  @Override
  public Runnable getDelegatedTask() {
    SSLEngine e = chosen;
    return e == null ? null : e.getDelegatedTask();
  }

  @Override
  public void closeInbound() throws SSLException {
    SSLEngine e = chosen;
    (e == null ? plaintext() : e).closeInbound();
  }

  @Override
  public boolean isInboundDone() {
    SSLEngine e = chosen;
    return e != null && e.isInboundDone();
  }

  @Override
  public void closeOutbound() {
    SSLEngine e = chosen;
    (e == null ? plaintext() : e).closeOutbound();
  }

  @Override
  public boolean isOutboundDone() {
    SSLEngine e = chosen;
    return e != null && e.isOutboundDone();
  }

  @Override
  public SSLSession getSession() {
    SSLEngine e = chosen;
    return (e == null ? tls : e).getSession();
  }

  @Override
  public SSLSession getHandshakeSession() {
    SSLEngine e = chosen;
    return e == null ? null : e.getHandshakeSession();
  }

  @Override
  public void beginHandshake() throws SSLException {
    SSLEngine e = chosen;
    if (e != null) e.beginHandshake();
  }

  @Override
  public HandshakeStatus getHandshakeStatus() {
    SSLEngine e = chosen;
    return e == null ? HandshakeStatus.NOT_HANDSHAKING : e.getHandshakeStatus();
  }

  @Override
  public String[] getSupportedCipherSuites() {
    return tls.getSupportedCipherSuites();
  }

  @Override
  public String[] getEnabledCipherSuites() {
    return tls.getEnabledCipherSuites();
  }

  @Override
  public void setEnabledCipherSuites(String[] suites) {}

  @Override
  public String[] getSupportedProtocols() {
    return tls.getSupportedProtocols();
  }

  @Override
  public String[] getEnabledProtocols() {
    return tls.getEnabledProtocols();
  }

  @Override
  public void setEnabledProtocols(String[] protocols) {}

  @Override
  public void setUseClientMode(boolean mode) {
    tls.setUseClientMode(mode);
  }

  @Override
  public boolean getUseClientMode() {
    return tls.getUseClientMode();
  }

  @Override
  public void setNeedClientAuth(boolean need) {}

  @Override
  public boolean getNeedClientAuth() {
    return tls.getNeedClientAuth();
  }

  @Override
  public void setWantClientAuth(boolean want) {}

  @Override
  public boolean getWantClientAuth() {
    return tls.getWantClientAuth();
  }

  @Override
  public void setEnableSessionCreation(boolean flag) {}

  @Override
  public boolean getEnableSessionCreation() {
    return tls.getEnableSessionCreation();
  }

  @Override
  public SSLParameters getSSLParameters() {
    return tls.getSSLParameters();
  }

  @Override
  public void setSSLParameters(SSLParameters params) {}

  @Override
  public String getApplicationProtocol() {
    SSLEngine e = chosen;
    return e == null ? null : e.getApplicationProtocol();
  }

  @Override
  public String getHandshakeApplicationProtocol() {
    SSLEngine e = chosen;
    return e == null ? null : e.getHandshakeApplicationProtocol();
  }

  @Override
  public void setHandshakeApplicationProtocolSelector(BiFunction<SSLEngine, List<String>, String> selector) {}

  @Override
  public BiFunction<SSLEngine, List<String>, String> getHandshakeApplicationProtocolSelector() {
    return tls.getHandshakeApplicationProtocolSelector();
  }
}
