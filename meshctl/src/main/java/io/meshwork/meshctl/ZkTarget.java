package io.meshwork.meshctl;

import org.apache.zookeeper.common.PathUtils;

/**
 * Where the mesh lives in ZooKeeper, from a connect string as operators write it:
 * {@code host:port[,host:port...][/root]}. The part from the first {@code /} on is the mesh's
 * root path (not a ZooKeeper chroot: it is parsed off here), {@value #DEFAULT_ROOT} when left
 * out.
 *
 * @param hosts the ZooKeeper connect string without the root, e.g. {@code 127.0.0.1:2181}
 * @param root the root path, e.g. {@code /meshwork/prod}; never ends with {@code /}
 */
record ZkTarget(String hosts, String root) {
  static final String DEFAULT_ROOT = "/meshwork";
  static final String FORM = "host:port[,host:port...][/root]";

  static ZkTarget parse(String connect) {
    if (connect == null || connect.isBlank()) {
      throw Failure.invalid("--zookeeper: missing (expected: " + FORM
          + ", given as --zookeeper or in the environment variable MESHCTL_ZOOKEEPER)");
    }
    String s = connect.strip();
    int slash = s.indexOf('/');
    String hosts = slash < 0 ? s : s.substring(0, slash);
    String root = slash < 0 ? DEFAULT_ROOT : s.substring(slash);
    if (hosts.isEmpty()) {
      throw Failure.invalid("--zookeeper: '" + connect + "' has no host (expected: " + FORM + ")");
    }
    for (String host : hosts.split(",", -1)) {
      if (host.isBlank() || host.chars().anyMatch(Character::isWhitespace)) {
        throw Failure.invalid("--zookeeper: '" + connect + "' has an empty or blank host (expected: " + FORM + ")");
      }
    }
    while (root.length() > 1 && root.endsWith("/")) {
      root = root.substring(0, root.length() - 1);
    }
    try {
      PathUtils.validatePath(root);
    } catch (IllegalArgumentException e) {
      throw Failure.invalid("--zookeeper: root '" + root + "' is not a ZooKeeper path: " + e.getMessage()
          + " (expected: " + FORM + ")");
    }
    return new ZkTarget(hosts, root);
  }

  /** {@code <root>/document}: the whole mesh document, as YAML. */
  String documentPath() {
    return child(root, "document");
  }

  /** {@code <root>/registrations}: one child per service that has registrations. */
  String registrationsPath() {
    return child(root, "registrations");
  }

  /** {@code <root>/registrations/<service>}: one ephemeral sequential znode per registration. */
  String registrationsPath(String service) {
    return child(registrationsPath(), service);
  }

  static String child(String parent, String name) {
    return parent.equals("/") ? "/" + name : parent + "/" + name;
  }
}
