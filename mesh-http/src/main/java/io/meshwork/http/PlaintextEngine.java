package io.meshwork.http;

import java.nio.ByteBuffer;
import java.security.Principal;
import java.security.cert.Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;

/**
 * An {@link SSLEngine} that encrypts nothing: {@code wrap} and {@code unwrap} copy bytes
 * unchanged, and there is never a handshake. It lets the JDK's {@code HttpsServer}, which only
 * knows TLS connections, serve a plaintext connection on the same port ({@link ServerTls}). Its
 * session is {@link #SESSION}, which has no peer and no certificates, so a plaintext request
 * never has a caller identity.
 *
 * <p>Settings given to it (protocols, client authentication, parameters) are ignored: there is
 * nothing to apply them to. One connection's thread uses it at a time for each direction.
 */
final class PlaintextEngine extends SSLEngine {
  /** Buffer size the JDK server allocates for both directions; copying works with any size. */
  static final int BUFFER_SIZE = 16 * 1024;
  /** The session of every plaintext connection. */
  static final SSLSession SESSION = new PlaintextSession();

  private static final String[] NONE = new String[0];
  private volatile boolean inboundDone;
  private volatile boolean outboundDone;

  PlaintextEngine(String host, int port) {
    super(host, port);
  }

  @Override
  public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) {
    if (outboundDone) return result(Status.CLOSED, 0);
    int copied = 0;
    boolean more = false;
    for (int i = offset; i < offset + length; i++) {
      ByteBuffer src = srcs[i];
      copied += copy(src, dst);
      if (src.hasRemaining()) {
        more = true;
        break;
      }
    }
    return result(more && copied == 0 ? Status.BUFFER_OVERFLOW : Status.OK, copied);
  }

  @Override
  public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) {
    if (inboundDone) return result(Status.CLOSED, 0);
    if (!src.hasRemaining()) return result(Status.BUFFER_UNDERFLOW, 0);
    int copied = 0;
    for (int i = offset; i < offset + length && src.hasRemaining(); i++) {
      copied += copy(src, dsts[i]);
    }
    return result(copied == 0 ? Status.BUFFER_OVERFLOW : Status.OK, copied);
  }

  private static int copy(ByteBuffer src, ByteBuffer dst) {
    int n = Math.min(src.remaining(), dst.remaining());
    if (n == 0) return 0;
    if (n == src.remaining()) {
      dst.put(src);
    } else {
      ByteBuffer slice = src.slice();
      slice.limit(n);
      dst.put(slice);
      src.position(src.position() + n);
    }
    return n;
  }

  private static SSLEngineResult result(Status status, int bytes) {
    return new SSLEngineResult(status, HandshakeStatus.NOT_HANDSHAKING, bytes, bytes);
  }

  @Override
  public Runnable getDelegatedTask() {
    return null;
  }

  @Override
  public void closeInbound() {
    inboundDone = true;
  }

  @Override
  public boolean isInboundDone() {
    return inboundDone;
  }

  @Override
  public void closeOutbound() {
    outboundDone = true;
  }

  @Override
  public boolean isOutboundDone() {
    return outboundDone;
  }

  @Override
  public String[] getSupportedCipherSuites() {
    return NONE.clone();
  }

  @Override
  public String[] getEnabledCipherSuites() {
    return NONE.clone();
  }

  @Override
  public void setEnabledCipherSuites(String[] suites) {}

  @Override
  public String[] getSupportedProtocols() {
    return NONE.clone();
  }

  @Override
  public String[] getEnabledProtocols() {
    return NONE.clone();
  }

  @Override
  public void setEnabledProtocols(String[] protocols) {}

  @Override
  public SSLSession getSession() {
    return SESSION;
  }

  @Override
  public SSLSession getHandshakeSession() {
    return null;
  }

  @Override
  public void beginHandshake() {}

  @Override
  public HandshakeStatus getHandshakeStatus() {
    return HandshakeStatus.NOT_HANDSHAKING;
  }

  @Override
  public void setUseClientMode(boolean mode) {}

  @Override
  public boolean getUseClientMode() {
    return false;
  }

  @Override
  public void setNeedClientAuth(boolean need) {}

  @Override
  public boolean getNeedClientAuth() {
    return false;
  }

  @Override
  public void setWantClientAuth(boolean want) {}

  @Override
  public boolean getWantClientAuth() {
    return false;
  }

  @Override
  public void setEnableSessionCreation(boolean flag) {}

  @Override
  public boolean getEnableSessionCreation() {
    return false;
  }

  @Override
  public void setSSLParameters(SSLParameters params) {}

  @Override
  public String getApplicationProtocol() {
    return null;
  }

  @Override
  public String getHandshakeApplicationProtocol() {
    return null;
  }

  /** The session of a plaintext connection: no peer, no certificates, no values kept. */
  private static final class PlaintextSession implements SSLSession {
    private static final byte[] NO_ID = new byte[0];

    @Override
    public byte[] getId() {
      return NO_ID.clone();
    }

    @Override
    public SSLSessionContext getSessionContext() {
      return null;
    }

    @Override
    public long getCreationTime() {
      return 0;
    }

    @Override
    public long getLastAccessedTime() {
      return 0;
    }

    @Override
    public void invalidate() {}

    @Override
    public boolean isValid() {
      return false;
    }

    @Override
    public void putValue(String name, Object value) {}

    @Override
    public Object getValue(String name) {
      return null;
    }

    @Override
    public void removeValue(String name) {}

    @Override
    public String[] getValueNames() {
      return NONE.clone();
    }

    @Override
    public Certificate[] getPeerCertificates() throws SSLPeerUnverifiedException {
      throw new SSLPeerUnverifiedException("plaintext connection");
    }

    @Override
    public Certificate[] getLocalCertificates() {
      return null;
    }

    @Override
    public Principal getPeerPrincipal() throws SSLPeerUnverifiedException {
      throw new SSLPeerUnverifiedException("plaintext connection");
    }

    @Override
    public Principal getLocalPrincipal() {
      return null;
    }

    @Override
    public String getCipherSuite() {
      return "SSL_NULL_WITH_NULL_NULL";
    }

    @Override
    public String getProtocol() {
      return "NONE";
    }

    @Override
    public String getPeerHost() {
      return null;
    }

    @Override
    public int getPeerPort() {
      return -1;
    }

    @Override
    public int getPacketBufferSize() {
      return BUFFER_SIZE;
    }

    @Override
    public int getApplicationBufferSize() {
      return BUFFER_SIZE;
    }

    @Override
    public String toString() {
      return "plaintext";
    }
  }
}
