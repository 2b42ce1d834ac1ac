package io.meshwork.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.Mesh;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.http.MeshHttp;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** /metrics after real calls through a real mesh client to a real server. */
class MetricsEndpointTest {
  private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  private static final String LABEL = "[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\"";
  private static final Pattern SAMPLE = Pattern.compile(
      "(" + NAME + ")(\\{" + LABEL + "(?:," + LABEL + ")*,?\\})? "
          + "(NaN|[+-]Inf|[+-]?(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?)(?: -?[0-9]+)?");
  private static final Pattern HELP = Pattern.compile("# HELP " + NAME + "( .*)?");
  private static final Pattern TYPE = Pattern.compile("# TYPE " + NAME + " (counter|gauge|histogram|summary|untyped)");

  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) closeables.get(i).close();
    registry.close();
  }

  @Test
  void aPrometheusRegistryIsScrapedAndHoldsTheGoldenMetersOfRealCalls() throws Exception {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Mesh client = mesh("frontend", prometheus);
    callGreeter(client, 20);
    MeshAdmin admin = admin(client);

    HttpResponse<String> r = get(admin, "metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    List<String> samples = strictlyParsed(r.body());
    assertThat(sum(samples, "mesh_client_requests_seconds_count", "service=\"greeter\"")).isEqualTo(20);
    assertThat(sum(samples, "mesh_client_attempts_total", "service=\"greeter\"")).isGreaterThanOrEqualTo(20);
    assertThat(samples).anyMatch(s -> s.startsWith("mesh_client_requests_seconds_sum{")
        && s.contains("service=\"greeter\"") && s.contains("outcome=\"success\""));
    assertThat(samples).anyMatch(s -> s.startsWith("mesh_admin_events_dropped_total "));
  }

  @Test
  void aCompositeRegistryGetsAPrometheusChildWithTheMetersItHadBeforeCountingFromThen() throws Exception {
    CompositeMeterRegistry composite = new CompositeMeterRegistry();
    composite.add(new SimpleMeterRegistry());
    Mesh client = mesh("frontend", composite);
    callGreeter(client, 7);        // the meters exist before the admin server adds its registry
    MeshAdmin admin = admin(client);

    assertThat(composite.getRegistries()).hasAtLeastOneElementOfType(PrometheusMeterRegistry.class);
    List<String> samples = strictlyParsed(get(admin, "metrics").body());
    // The composite gives the new child every meter it has, counting from the child's start:
    // the series is there at once, with what happened since.
    assertThat(samples).anyMatch(s -> s.startsWith("mesh_client_requests_seconds_count{")
        && s.contains("service=\"greeter\"") && s.endsWith(" 0"));
    callGreeter(client, 3);
    samples = strictlyParsed(get(admin, "metrics").body());
    assertThat(sum(samples, "mesh_client_requests_seconds_count", "service=\"greeter\"")).isEqualTo(3);

    admin.close();
    assertThat(composite.getRegistries()).noneMatch(PrometheusMeterRegistry.class::isInstance);
  }

  @Test
  void aCompositeWithAPrometheusChildIsScrapedThroughIt() throws Exception {
    CompositeMeterRegistry composite = new CompositeMeterRegistry();
    PrometheusMeterRegistry child = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    composite.add(child);
    Mesh client = mesh("frontend", composite);
    callGreeter(client, 4);
    MeshAdmin admin = admin(client);
    assertThat(composite.getRegistries()).containsExactly(child);
    assertThat(sum(strictlyParsed(get(admin, "metrics").body()), "mesh_client_requests_seconds_count",
        "service=\"greeter\"")).isEqualTo(4);
  }

  @Test
  void anotherRegistryIs501SayingHowToFixIt() throws Exception {
    Mesh client = mesh("frontend", new SimpleMeterRegistry());
    HttpResponse<String> r = get(admin(client), "metrics");
    assertThat(r.statusCode()).isEqualTo(501);
    assertThat(r.body()).contains("the mesh's meter registry is a io.micrometer.core.instrument.simple.SimpleMeterRegistry")
        .contains("Mesh.builder().meterRegistry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))");
  }

  @Test
  void withoutMicrometersPrometheusRegistryTheEndpointSaysSo() {
    AdminHttpServer.Response r = PrometheusEndpoint.of(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), false)
        .scrape();
    assertThat(r.status()).isEqualTo(501);
    assertThat(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8))
        .contains("/metrics needs micrometer-registry-prometheus on the class path");
  }

  /** Every line is HELP, TYPE or a sample; returns the samples. */
  static List<String> strictlyParsed(String body) {
    List<String> samples = new ArrayList<>();
    String[] lines = body.split("\n", -1);
    assertThat(lines[lines.length - 1]).as("text ends with a line feed").isEmpty();
    for (int i = 0; i < lines.length - 1; i++) {
      String line = lines[i];
      if (line.startsWith("# HELP ")) {
        assertThat(line).as("line %d", i + 1).matches(HELP);
      } else if (line.startsWith("# TYPE ")) {
        assertThat(line).as("line %d", i + 1).matches(TYPE);
      } else {
        assertThat(line).as("line %d", i + 1).matches(SAMPLE);
        samples.add(line);
      }
    }
    assertThat(samples).isNotEmpty();
    return samples;
  }

  static double sum(List<String> samples, String name, String label) {
    double total = 0;
    for (String s : samples) {
      Matcher m = SAMPLE.matcher(s);
      if (m.matches() && m.group(1).equals(name) && m.group(2) != null && m.group(2).contains(label)) {
        total += Double.parseDouble(m.group(3));
      }
    }
    return total;
  }

  private Mesh mesh(String service, MeterRegistry meters) {
    Mesh m = Mesh.builder().serviceName(service).registry(registry).meterRegistry(meters).build();
    closeables.add(m);
    return m;
  }

  private MeshAdmin admin(Mesh mesh) {
    MeshAdmin admin = MeshAdmin.start(mesh, 0);
    closeables.add(admin);
    return admin;
  }

  private Greeter greeter;

  private void callGreeter(Mesh client, int calls) throws Exception {
    if (greeter == null) {
      Mesh server = mesh("greeter", new SimpleMeterRegistry());
      greeter = new Greeter(server);
      closeables.add(greeter);
      registry.putService(ServiceConfig.of("greeter", Endpoint.of(greeter.address())));
    }
    OkHttpClient ok = MeshHttp.client(client);
    try {
      for (int i = 0; i < calls; i++) {
        try (Response r = ok.newCall(new Request.Builder().url("http://greeter/hello").build()).execute()) {
          assertThat(r.code()).isEqualTo(200);
        }
      }
    } finally {
      ok.dispatcher().executorService().shutdown();
      ok.connectionPool().evictAll();
    }
  }

  private HttpResponse<String> get(MeshAdmin admin, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(admin.uri() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
