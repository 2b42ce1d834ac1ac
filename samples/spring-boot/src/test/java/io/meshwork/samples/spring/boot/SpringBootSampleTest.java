package io.meshwork.samples.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Runs the sample as {@code exec:java} does and checks that its answers crossed the mesh. */
class SpringBootSampleTest {
  private static final Pattern ANSWER = Pattern.compile(
      "frontend -> hello (\\w+) from greeter; caller=([^;]+); deadline-left=(\\d+)ms; mesh-timeout-ms=(\\d+)");

  @Test
  void theFrontendsAnswersComeFromTheGreeterThroughTheMesh() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    SpringBootSample.Result result;
    try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
      result = SpringBootSample.run(out);
    }
    String output = printed.toString(StandardCharsets.UTF_8);

    assertThat(result.answers()).as(output).hasSize(SpringBootSample.NAMES.size());
    for (int i = 0; i < result.answers().size(); i++) {
      String answer = result.answers().get(i);
      Matcher m = ANSWER.matcher(answer);
      assertThat(m.matches()).as(answer).isTrue();
      assertThat(m.group(1)).isEqualTo(SpringBootSample.NAMES.get(i));
      // Plaintext: no client certificate, so no verified caller (the starter has no server-side mTLS yet).
      assertThat(m.group(2)).startsWith("none");
      // The frontend's mesh sent the registry's 2 s timeout for greeter as mesh-timeout-ms, and the
      // greeter's MeshServletFilter turned it into the handler's deadline: only a mesh call does both.
      long header = Long.parseLong(m.group(4));
      long left = Long.parseLong(m.group(3));
      assertThat(header).isBetween(1L, 2000L);
      assertThat(left).isBetween(1L, header);
    }

    // The frontend's mesh found greeter by the endpoint the greeter registered (the document lists none).
    JsonNode greeter = result.meshwork().path("destinations").get(0);
    assertThat(greeter.path("service").asString()).isEqualTo("greeter");
    assertThat(greeter.path("known").asBoolean()).isTrue();
    assertThat(greeter.path("timeout").asString()).isEqualTo("2s");
    assertThat(greeter.path("endpoints")).hasSize(1);
    JsonNode endpoint = greeter.path("endpoints").get(0);
    assertThat(endpoint.path("address").asString()).startsWith("127.0.0.1:");
    assertThat(endpoint.path("attempts").asLong()).isEqualTo(SpringBootSample.NAMES.size());
    assertThat(endpoint.path("failures").asLong()).isZero();
    assertThat(output).contains("destination greeter", endpoint.path("address").asString());

    assertThat(result.health()).isEqualTo("UP");
    assertThat(result.meshworkHealth()).isEqualTo("UP");
    // Both applications closed and the temporary registry folder is gone.
    assertThat(result.registry().getParent()).doesNotExist();
    assertThat(Files.exists(result.registry())).isFalse();
  }
}
