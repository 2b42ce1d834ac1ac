package io.meshwork.spring.boot;

import io.meshwork.core.registry.Registry;
import io.meshwork.zookeeper.ZooKeeperRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;

/**
 * Makes the ZooKeeper registry from {@code meshwork.registry.zookeeper.*}. The only class of the
 * starter that names mesh-zookeeper's types: {@link MeshAutoConfiguration} calls it only after
 * checking that the module is on the class path, so the starter loads without it.
 */
final class ZooKeeperRegistries {
  static final String CLASS_NAME = "io.meshwork.zookeeper.ZooKeeperRegistry";
  static final String PREFIX = "meshwork.registry.zookeeper.";
  static final String CONNECT = PREFIX + "connect";

  private ZooKeeperRegistries() { }

  static Registry create(MeshProperties.ZooKeeper zk, MeterRegistry meters) {
    ZooKeeperRegistry.Builder b;
    try {
      b = ZooKeeperRegistry.builder(zk.getConnect().trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(CONNECT + ": " + zk.getConnect() + " (expected:"
          + " host:port[,host:port...][/root], e.g. zk1:2181,zk2:2181/meshwork/prod; " + e.getMessage() + ")", e);
    }
    b.sessionTimeout(positive(zk.getSessionTimeout(), PREFIX + "session-timeout", "15s"));
    b.connectionTimeout(positive(zk.getConnectionTimeout(), PREFIX + "connection-timeout", "10s"));
    if (zk.getAuth() != null && !zk.getAuth().isEmpty()) {
      try {
        b.auth(zk.getAuth());
      } catch (IllegalArgumentException e) {
        // Never the value: it holds a password.
        throw new IllegalStateException(PREFIX + "auth: (value hidden) (expected: digest credentials"
            + " user:password, e.g. ${MESH_ZK_AUTH} from the environment)", e);
      }
    }
    if (meters != null) b.meterRegistry(meters);
    try {
      return b.build();
    } catch (IllegalStateException e) {
      throw new IllegalStateException(CONNECT + ": " + zk.getConnect() + " (expected: a ZooKeeper"
          + " ensemble reachable within " + PREFIX + "connection-timeout; " + e.getMessage() + ")", e);
    }
  }

  private static Duration positive(Duration value, String property, String example) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalStateException(property + ": " + value + " (expected: a positive duration, e.g. "
          + example + ")");
    }
    return value;
  }
}
