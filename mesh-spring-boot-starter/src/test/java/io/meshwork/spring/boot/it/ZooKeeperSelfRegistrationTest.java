package io.meshwork.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Mesh;
import io.meshwork.http.MeshHttp;
import io.meshwork.spring.boot.it.greeter.GreeterApp;
import io.meshwork.zookeeper.ZooKeeperRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;

/**
 * A Boot web application (Spring MVC on Tomcat, 127.0.0.1, random port) whose registry is
 * ZooKeeper (curator-test's {@code TestingServer}, started here): it registers its port under
 * {@code <root>/registrations/greeter/}, a second mesh over the same ZooKeeper calls it by name,
 * the actuator shows the ZooKeeper source, and closing the context removes the registration.
 */
class ZooKeeperSelfRegistrationTest {
  static final String ROOT = "/meshwork/it";
  static final String FOLDER = ROOT + "/registrations/greeter";

  TestingServer zookeeper;
  CuratorFramework reader;

  @BeforeEach
  void start() throws Exception {
    zookeeper = new TestingServer(true);
    reader = CuratorFrameworkFactory.newClient(zookeeper.getConnectString(), new RetryOneTime(100));
    reader.start();
  }

  @AfterEach
  void stop() throws IOException {
    reader.close();
    zookeeper.close();
  }

  @Test
  void theGreeterRegistersInZooKeeperIsCalledByNameAndWithdrawsOnClose() throws Exception {
    String connect = zookeeper.getConnectString() + ROOT;
    ConfigurableApplicationContext greeter = new SpringApplicationBuilder(GreeterApp.class)
        .web(WebApplicationType.SERVLET)
        .properties("meshwork.service-name=greeter", "spring.main.banner-mode=off",
            "server.port=0", "server.address=127.0.0.1",
            "meshwork.registry.zookeeper.connect=" + connect,
            "meshwork.registry.zookeeper.session-timeout=4s",
            "management.endpoints.web.exposure.include=meshwork,health",
            "management.endpoint.health.show-details=always")
        .run();
    try {
      int port = Integer.parseInt(greeter.getBean(Environment.class).getProperty("local.server.port"));
      assertThat(greeter.getBean(Mesh.class).registry()).isInstanceOf(ZooKeeperRegistry.class);

      // Its port is a znode under <root>/registrations/greeter/.
      List<String> children = reader.getChildren().forPath(FOLDER);
      assertThat(children).hasSize(1);
      String data = new String(reader.getData().forPath(FOLDER + "/" + children.get(0)), StandardCharsets.UTF_8);
      assertThat(data).contains("127.0.0.1").contains(Integer.toString(port));

      // Another process's mesh over the same ZooKeeper calls it by name.
      try (ZooKeeperRegistry registry = ZooKeeperRegistry.builder(connect).owner("caller")
          .sessionTimeout(Duration.ofSeconds(4)).build();
          Mesh caller = Mesh.builder().serviceName("caller").registry(registry).build()) {
        OkHttpClient client = MeshHttp.client(caller);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
            assertThat(get(client, "http://greeter/greetings/zk")).startsWith("hello zk"));
      }

      // The actuator reads Registry.status(): source zookeeper:<hosts><root>.
      OkHttpClient plain = new OkHttpClient();
      String source = "zookeeper:" + zookeeper.getConnectString() + ROOT;
      assertThat(get(plain, "http://127.0.0.1:" + port + "/actuator/meshwork"))
          .contains("\"source\":\"" + source + "\"");
      assertThat(get(plain, "http://127.0.0.1:" + port + "/actuator/health/meshwork"))
          .contains("\"registrySource\":\"" + source + "\"").contains("\"status\":\"UP\"");
      plain.dispatcher().executorService().shutdown();
      plain.connectionPool().evictAll();
    } finally {
      greeter.close();
    }
    // Closing the context withdrew the registration (and closed the registry's session).
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
        assertThat(reader.getChildren().forPath(FOLDER)).isEmpty());
  }

  private static String get(OkHttpClient client, String url) throws IOException {
    try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
      assertThat(response.code()).as("%s", url).isEqualTo(200);
      return response.body().string();
    }
  }
}
