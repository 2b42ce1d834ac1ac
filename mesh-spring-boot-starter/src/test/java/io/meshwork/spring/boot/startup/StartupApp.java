package io.meshwork.spring.boot.startup;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * One start of a small Spring MVC application on Tomcat, with the starter ({@code mesh}) or with
 * Meshwork's auto-configurations excluded ({@code plain}); prints {@code RESULT <mode> <context ms>
 * <JVM uptime ms>} once it is ready, then stops. Run in a fresh JVM each time by {@link
 * StartupTimeComparison}.
 */
@SpringBootApplication
public class StartupApp {
  static final String EXCLUDE = "spring.autoconfigure.exclude="
      + "io.meshwork.spring.boot.MeshAutoConfiguration,io.meshwork.spring.boot.MeshHttpAutoConfiguration,"
      + "io.meshwork.spring.boot.MeshClientsAutoConfiguration,io.meshwork.spring.boot.MeshServletAutoConfiguration,"
      + "io.meshwork.spring.boot.MeshSslAutoConfiguration,"
      // Replaces the test resources' exclusion of Jetty, which is on the test class path too.
      + "org.springframework.boot.jetty.autoconfigure.servlet.JettyServletWebServerAutoConfiguration";

  @RestController
  static class Hello {
    @GetMapping("/hello")
    String hello() {
      return "hello";
    }
  }

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    Path registry = Files.createTempFile("meshwork-startup", ".yaml");
    Files.writeString(registry, "services:\n  greeter:\n    endpoints:\n      - { address: 127.0.0.1:1 }\n");
    SpringApplication app = new SpringApplication(StartupApp.class);
    app.setDefaultProperties(java.util.Map.of("spring.main.banner-mode", "off", "server.port", "0",
        "logging.level.root", "warn", "spring.application.name", "greeter",
        "meshwork.registry.file", registry.toString()));
    String[] appArgs = mode.equals("plain") ? new String[] {"--" + EXCLUDE} : new String[0];
    long start = System.nanoTime();
    ConfigurableApplicationContext context = app.run(appArgs);
    long contextMs = (System.nanoTime() - start) / 1_000_000;
    long uptimeMs = ManagementFactory.getRuntimeMXBean().getUptime();
    boolean meshPresent = context.containsBean("mesh");
    System.out.println("RESULT " + mode + " " + contextMs + " " + uptimeMs + " mesh=" + meshPresent);
    context.close();
    Files.deleteIfExists(registry);
  }
}
