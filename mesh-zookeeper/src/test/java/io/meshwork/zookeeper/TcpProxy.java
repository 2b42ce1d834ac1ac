package io.meshwork.zookeeper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP forwarder on 127.0.0.1 for one ZooKeeper client: {@link #kill()} cuts every connection
 * and refuses new ones, as when a process freezes or dies without closing its session, so the
 * server expires the session after its timeout.
 */
final class TcpProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int targetPort;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final List<Thread> threads = new CopyOnWriteArrayList<>();
  private volatile boolean killed;

  TcpProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    start("zk-proxy-accept", this::acceptLoop);
  }

  int port() {
    return listener.getLocalPort();
  }

  private void acceptLoop() {
    while (!killed) {
      try {
        Socket in = listener.accept();
        Socket out = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        sockets.add(in);
        sockets.add(out);
        start("zk-proxy-up", () -> pump(in, out));
        start("zk-proxy-down", () -> pump(out, in));
      } catch (IOException e) {
        if (killed) return;
      }
    }
  }

  private static void pump(Socket from, Socket to) {
    byte[] buf = new byte[8192];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // Connection cut.
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private void start(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    threads.add(t);
    t.start();
  }

  /** Cuts every connection and refuses new ones. */
  void kill() {
    killed = true;
    closeQuietly(listener);
    for (Socket s : sockets) closeQuietly(s);
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // Already closed.
    }
  }

  @Override
  public void close() throws InterruptedException {
    kill();
    for (Thread t : threads) t.join(2_000);
  }
}
