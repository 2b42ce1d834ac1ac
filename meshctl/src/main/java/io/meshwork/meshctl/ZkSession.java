package io.meshwork.meshctl;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.curator.CuratorConnectionLossException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * One short-lived ZooKeeper client for one command: connected within the timeout or failed with
 * exit code 3, and closed (no thread left) when the command ends.
 */
final class ZkSession implements AutoCloseable {
  final ZkTarget target;
  final CuratorFramework client;
  final boolean authenticated;

  private ZkSession(ZkTarget target, CuratorFramework client, boolean authenticated) {
    this.target = target;
    this.client = client;
    this.authenticated = authenticated;
  }

  static ZkSession open(ZkTarget target, String auth, Duration timeout) {
    int ms = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
    CuratorFrameworkFactory.Builder b = CuratorFrameworkFactory.builder()
        .connectString(target.hosts())
        .connectionTimeoutMs(ms)
        .sessionTimeoutMs(Math.max(ms, 15_000))
        .retryPolicy(new RetryOneTime(100))
        .ensembleTracker(false);
    if (auth != null) {
      b.authorization("digest", auth.getBytes(StandardCharsets.UTF_8));
    }
    CuratorFramework client = b.build();
    client.start();
    boolean connected;
    try {
      connected = client.blockUntilConnected(ms, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      client.close();
      throw Failure.zookeeper("interrupted while connecting to ZooKeeper at " + target.hosts());
    }
    if (!connected) {
      client.close();
      throw Failure.zookeeper("ZooKeeper unreachable: no connection to " + target.hosts() + " within "
          + Meshctl.format(timeout) + " (check --zookeeper, or raise --timeout)");
    }
    return new ZkSession(target, client, auth != null);
  }

  /** A znode's text and stat, or empty when it does not exist. */
  Optional<Versioned> read(String path) {
    Stat stat = new Stat();
    try {
      byte[] data = client.getData().storingStatIn(stat).forPath(path);
      return Optional.of(new Versioned(data == null ? "" : new String(data, StandardCharsets.UTF_8), stat.getVersion()));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    } catch (Exception e) {
      throw failure("reading " + path, e);
    }
  }

  /** A znode's children, or empty when it does not exist. */
  List<String> children(String path) {
    try {
      return client.getChildren().forPath(path);
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    } catch (Exception e) {
      throw failure("listing " + path, e);
    }
  }

  boolean exists(String path) {
    try {
      return client.checkExists().forPath(path) != null;
    } catch (Exception e) {
      throw failure("reading " + path, e);
    }
  }

  /**
   * The failure for an unexpected ZooKeeper error while doing {@code what}: permission denied
   * and lost connections are exit code 3, anything else too (ZooKeeper refused).
   */
  Failure failure(String what, Exception e) {
    if (e instanceof Failure f) return f;
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
      return Failure.zookeeper("interrupted while " + what);
    }
    if (e instanceof KeeperException.NoAuthException) {
      return Failure.zookeeper("permission denied " + what + ": "
          + (authenticated ? "this --auth identity" : "a client without --auth")
          + " may not do that (the znode's ACL allows only the operator who created it;"
          + " give that operator's --auth user:password)");
    }
    if (e instanceof KeeperException.AuthFailedException) {
      return Failure.zookeeper("permission denied " + what + ": ZooKeeper refused the --auth identity");
    }
    if (e instanceof KeeperException.ConnectionLossException || e instanceof KeeperException.SessionExpiredException
        || e instanceof KeeperException.OperationTimeoutException || e instanceof CuratorConnectionLossException) {
      return Failure.zookeeper("ZooKeeper unreachable: lost the connection to " + target.hosts() + " while " + what);
    }
    return Failure.zookeeper("ZooKeeper refused " + what + ": " + e);
  }

  @Override
  public void close() {
    client.close();
  }

  /** A znode's text and the data version it was read at. */
  record Versioned(String text, int version) {}
}
