package io.meshwork.tls;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * A line server on 127.0.0.1 over a mesh server context: for each connection it completes the
 * handshake, reads one line and answers {@code <caller identity or "anonymous"> <line>}. It
 * records what it served and every failed connection, so tests can assert that a refused peer
 * never got a request through.
 */
final class TlsServer implements AutoCloseable {
  final SSLServerSocket socket;
  final AtomicInteger served = new AtomicInteger();
  final List<String> linesReceived = new CopyOnWriteArrayList<>();
  final List<String> callers = new CopyOnWriteArrayList<>();
  final List<java.math.BigInteger> clientSerials = new CopyOnWriteArrayList<>();
  final List<Exception> failures = new CopyOnWriteArrayList<>();
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "test-tls-server");
    t.setDaemon(true);
    return t;
  });

  TlsServer(SSLContext context) throws IOException {
    this.socket = (SSLServerSocket) context.getServerSocketFactory()
        .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    pool.execute(this::acceptLoop);
  }

  InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort());
  }

  int port() {
    return socket.getLocalPort();
  }

  private void acceptLoop() {
    while (!socket.isClosed()) {
      Socket s;
      try {
        s = socket.accept();
      } catch (IOException e) {
        return;
      }
      pool.execute(() -> serve((SSLSocket) s));
    }
  }

  private void serve(SSLSocket s) {
    try (s) {
      s.setSoTimeout(10_000);
      s.startHandshake();
      String caller = MeshTls.peerIdentity(s.getSession()).map(SpiffeId::toString).orElse("anonymous");
      if (!caller.equals("anonymous")) {
        clientSerials.add(((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber());
      }
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      String line = in.readLine();
      if (line == null) {
        return;
      }
      linesReceived.add(line);
      callers.add(caller);
      OutputStream out = s.getOutputStream();
      out.write((caller + " " + line + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      served.incrementAndGet();
    } catch (IOException e) {
      if (!(e instanceof SocketException && socket.isClosed())) {
        failures.add(e);
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
    pool.shutdownNow();
    try {
      pool.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One exchange as a client: handshake, one line, the answer. */
  static Exchange call(SSLContext client, InetSocketAddress server, String line) throws IOException {
    try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(server.getAddress(), server.getPort())) {
      s.setSoTimeout(10_000);
      s.startHandshake();
      X509Certificate serverLeaf = (X509Certificate) s.getSession().getPeerCertificates()[0];
      X509Certificate ownLeaf = s.getSession().getLocalCertificates() == null
          ? null : (X509Certificate) s.getSession().getLocalCertificates()[0];
      String protocol = s.getSession().getProtocol();
      s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
      s.getOutputStream().flush();
      String answer = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
      if (answer == null) {
        throw new IOException("the server closed the connection without answering");
      }
      return new Exchange(answer, MeshTls.peerIdentity(s.getSession()).orElse(null), serverLeaf, ownLeaf, protocol);
    }
  }

  record Exchange(String answer, SpiffeId serverIdentity, X509Certificate serverLeaf, X509Certificate clientLeaf,
      String protocol) {}
}
