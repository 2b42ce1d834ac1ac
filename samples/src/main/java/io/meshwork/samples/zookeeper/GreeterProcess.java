package io.meshwork.samples.zookeeper;

import io.meshwork.admin.MeshAdmin;
import io.meshwork.core.Mesh;
import io.meshwork.http.MeshHttp;
import io.meshwork.http.MeshHttpServer;
import io.meshwork.zookeeper.ZooKeeperRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One greeter of {@link MultiProcessDemo}, in its own JVM: its own ZooKeeper session and mesh, an
 * HTTP server on 127.0.0.1 (a free port) that registers itself as an endpoint of {@code greeter}
 * and answers {@code /hello} with its name. It runs until the demo writes {@code stop} on its
 * standard input, or terminates it: then it closes server, mesh and registry (withdrawing its
 * registration) and exits. If its input ends without {@code stop}, the demo died, and with it
 * ZooKeeper: it exits at once. A SIGKILL, which the demo sends to one greeter, skips all that:
 * its endpoint goes when ZooKeeper expires its session.
 *
 * <p>Arguments: {@code <name> <connect string with root> <session timeout in ms>}.
 */
public final class GreeterProcess {
  private GreeterProcess() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      throw new IllegalArgumentException("arguments: " + String.join(" ", args)
          + " (expected: <name> <connect string with root> <session timeout in ms>)");
    }
    String name = args[0];
    long sessionMillis = Long.parseLong(args[2]);
    ZooKeeperRegistry registry = ZooKeeperRegistry.builder(args[1])
        .owner(name + "-" + ProcessHandle.current().pid())
        .sessionTimeout(Duration.ofMillis(sessionMillis))
        .connectionTimeout(Duration.ofMillis(Math.min(3_000, sessionMillis)))
        .build();
    Mesh mesh = Mesh.builder().serviceName("greeter").registry(registry).meterRegistry(new SimpleMeterRegistry()).build();
    // Before the server registers, so its registration announces the admin port: the frontend's
    // dashboard then reads this process's state too (its mesh-wide map).
    MeshAdmin admin = MeshAdmin.start(mesh, 0);
    MeshHttpServer[] holder = new MeshHttpServer[1];
    MeshHttpServer server = MeshHttp.server(mesh).bind("127.0.0.1", 0).register(true)
        .handler("/hello", exchange -> {
          byte[] body = ("hello from " + name + " (127.0.0.1:" + holder[0].port() + ")").getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("content-type", "text/plain; charset=utf-8");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        })
        .start();
    holder[0] = server;
    Thread closer = new Thread(() -> {
      server.close();
      admin.close();
      mesh.close();
      registry.close();
      System.out.println("closed: server stopped, registration withdrawn, session closed");
      System.out.flush();
    }, name + "-shutdown");
    Runtime.getRuntime().addShutdownHook(closer);
    System.out.printf("pid %d serving http://127.0.0.1:%d/hello, registered as an endpoint of greeter; dashboard %sadmin%n",
        ProcessHandle.current().pid(), server.port(), admin.uri());
    System.out.flush();
    if (waitForStop(System.in)) {
      System.exit(0); // runs the shutdown hook: a clean stop
    }
    // The demo is gone without saying stop (killed): so is ZooKeeper, which ran in it. Closing
    // would wait for it in vain; the session and its registration went with the server.
    Runtime.getRuntime().halt(3);
  }

  /** Reads {@code in} until a line {@code stop} (true) or its end (false: the parent is gone). */
  static boolean waitForStop(InputStream in) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.trim().equals("stop")) return true;
      }
    } catch (IOException e) {
      // the parent is gone
    }
    return false;
  }
}
