package io.meshwork.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.model.Endpoint;
import io.meshwork.core.registry.Watch;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The ACL set-up of the README on a real ZooKeeper: only the operator writes the document, only
 * the service's identity registers its endpoints, everyone reads.
 */
class ZooKeeperAclTest {
  private static final String ROOT = "/meshwork/acl";

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private TestingServer server;

  private <T extends AutoCloseable> T closing(T c) {
    toClose.add(c);
    return c;
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) toClose.get(i).close();
    if (server != null) server.close();
  }

  private ZooKeeperRegistry registry(String owner, String auth) {
    ZooKeeperRegistry.Builder b = ZooKeeperRegistry.builder(server.getConnectString() + ROOT)
        .owner(owner).sessionTimeout(Duration.ofSeconds(3)).connectionTimeout(Duration.ofSeconds(2));
    if (auth != null) b.auth(auth);
    return closing(b.build());
  }

  private static List<ACL> acl(int worldPerms, Id owner) {
    List<ACL> acl = new ArrayList<>();
    acl.add(new ACL(worldPerms, ZooDefs.Ids.ANYONE_ID_UNSAFE));
    acl.add(new ACL(ZooDefs.Perms.ALL, owner));
    return acl;
  }

  @Test
  void onlyOperatorsWriteTheDocumentAndOnlyAServicesProcessesRegisterItsEndpoints() throws Exception {
    server = new TestingServer(true);
    Zk operator = closing(new Zk(server.getConnectString(), ROOT, "ops:ops-pw"));
    Id ops = new Id("digest", DigestAuthenticationProvider.generateDigest("ops:ops-pw"));
    Id greeterId = new Id("digest", DigestAuthenticationProvider.generateDigest("greeter:g-pw"));
    byte[] doc = "services:\n  greeter:\n    endpoints:\n      - { address: 127.0.0.1:7001 }\n"
        .getBytes(StandardCharsets.UTF_8);
    List<ACL> readAndCreatorAll = new ArrayList<>(ZooDefs.Ids.READ_ACL_UNSAFE);
    readAndCreatorAll.addAll(ZooDefs.Ids.CREATOR_ALL_ACL);
    operator.client.create().creatingParentsIfNeeded().withACL(readAndCreatorAll).forPath(ROOT);
    operator.client.create().withACL(readAndCreatorAll).forPath(ROOT + "/document", doc);
    operator.client.create().withACL(acl(ZooDefs.Perms.READ | ZooDefs.Perms.CREATE, ops))
        .forPath(ROOT + "/registrations");
    operator.client.create().withACL(acl(ZooDefs.Perms.READ, greeterId)).forPath(ROOT + "/registrations/greeter");

    // Everyone reads; a process with the greeter identity registers.
    ZooKeeperRegistry reader = registry("1@a", null);
    Watch watch = closing(reader.watch("greeter", s -> { }));
    ZooKeeperRegistry greeter = registry("2@b", "greeter:g-pw");
    greeter.register("greeter", Endpoint.of("127.0.0.1:7002"));
    await().atMost(Duration.ofSeconds(10)).until(() -> watch.current().config().endpoints().size() == 2);

    // Another service's identity, or none, cannot register greeter's endpoints.
    ZooKeeperRegistry billing = registry("3@c", "billing:b-pw");
    assertThatThrownBy(() -> billing.register("greeter", Endpoint.of("127.0.0.1:7666")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("/meshwork/acl/registrations/greeter")
        .hasMessageContaining("identity 'billing'");
    assertThatThrownBy(() -> reader.register("greeter", Endpoint.of("127.0.0.1:7666")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("a process without credentials");

    // Only the operator writes the document.
    try (Zk intruder = new Zk(server.getConnectString(), ROOT, "greeter:g-pw")) {
      assertThatThrownBy(() -> intruder.publish("services: {}\n")).isInstanceOf(KeeperException.NoAuthException.class);
    }
    operator.publish("services:\n  greeter:\n    endpoints:\n      - { address: 127.0.0.1:7003 }\n");
    await().atMost(Duration.ofSeconds(10)).until(() ->
        watch.current().config().endpoints().get(0).address().port() == 7003);

    // The registration itself: world-readable, only its creator's identity may change it.
    String name = operator.client.getChildren().forPath(ROOT + "/registrations/greeter").get(0);
    List<ACL> registrationAcl = operator.client.getACL().forPath(ROOT + "/registrations/greeter/" + name);
    // (ZooKeeper shows a digest as "greeter:x" to a reader without ADMIN on the znode.)
    assertThat(registrationAcl).extracting(a -> a.getPerms() + " " + a.getId().getScheme() + ":"
        + a.getId().getId().substring(0, a.getId().getId().indexOf(':') + 1))
        .containsExactlyInAnyOrder(ZooDefs.Perms.READ + " world:", ZooDefs.Perms.ALL + " digest:greeter:");
    assertThatThrownBy(() -> operator.client.delete().forPath(ROOT + "/registrations/greeter/" + name))
        .isInstanceOf(KeeperException.NoAuthException.class);
    assertThat(watch.current().config().endpoints()).hasSize(2);
  }
}
