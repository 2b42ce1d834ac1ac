package io.meshwork.zookeeper;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/** An operator's client for tests: publishes documents under a root, as meshctl does. */
final class Zk implements AutoCloseable {
  final CuratorFramework client;
  final String root;
  // Curator 5.9.0 never shuts its own "run safe" executor down; this one is closed with the client.
  private final java.util.concurrent.ExecutorService notifier =
      java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "test-zk-notify");
        t.setDaemon(true);
        return t;
      });

  Zk(String hosts, String root) {
    this(hosts, root, null);
  }

  Zk(String hosts, String root, String auth) {
    CuratorFrameworkFactory.Builder b = CuratorFrameworkFactory.builder()
        .connectString(hosts)
        .runSafeService(notifier)
        .sessionTimeoutMs(3_000)
        .connectionTimeoutMs(2_000)
        .retryPolicy(new RetryOneTime(100));
    if (auth != null) b.authorization("digest", auth.getBytes(StandardCharsets.UTF_8));
    this.client = b.build();
    this.root = root;
    client.start();
  }

  /** Creates or replaces {@code <root>/document} with a version check, as writers must. */
  void publish(String yaml) throws Exception {
    String path = root + "/" + ZooKeeperRegistry.DOCUMENT;
    byte[] data = yaml.getBytes(StandardCharsets.UTF_8);
    Stat stat = client.checkExists().forPath(path);
    if (stat == null) {
      try {
        client.create().creatingParentsIfNeeded().forPath(path, data);
        return;
      } catch (KeeperException.NodeExistsException raced) {
        stat = client.checkExists().forPath(path);
      }
    }
    client.setData().withVersion(stat.getVersion()).forPath(path, data);
  }

  static Duration seconds(long s) {
    return Duration.ofSeconds(s);
  }

  @Override
  public void close() {
    client.close();
    notifier.shutdownNow();
  }
}
