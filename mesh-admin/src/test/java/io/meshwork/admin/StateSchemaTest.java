package io.meshwork.admin;

import static io.meshwork.admin.Documents.list;
import static io.meshwork.admin.Documents.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.meshwork.core.Attempt;
import io.meshwork.core.Call;
import io.meshwork.core.Destination;
import io.meshwork.core.Mesh;
import io.meshwork.core.MeshRequest;
import io.meshwork.core.Outcome;
import io.meshwork.core.inbound.InboundCall;
import io.meshwork.core.inbound.InboundGuard;
import io.meshwork.core.inbound.InboundRequest;
import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.Route;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.core.testing.FakeTicker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import io.meshwork.tls.MeshTls;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.io.TempDir;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * state.json and its schema agree both ways: real output validates, every object the writer emits
 * has exactly the schema's required members (so a field added to one but not the other fails
 * here), and the schema refuses what it does not describe.
 */
class StateSchemaTest {
  static final String SCHEMA_RESOURCE = "/io/meshwork/admin/state-v1.schema.json";

  private final FakeTicker ticker = new FakeTicker();
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh mesh = Mesh.builder().serviceName("frontend").registry(registry)
      .meterRegistry(new SimpleMeterRegistry()).ticker(ticker).build();
  private final MeshState state = MeshState.start(mesh, Clock.systemUTC(), ticker);
  private Map<String, Object> schema;
  private Schema validator;

  @BeforeEach
  void loadSchema() throws IOException {
    String text;
    try (InputStream in = MeshState.class.getResourceAsStream(SCHEMA_RESOURCE)) {
      assertThat(in).as(SCHEMA_RESOURCE).isNotNull();
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    schema = Documents.parse(text);
    validator = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
        .getSchema(text, InputFormat.JSON);
  }

  @AfterEach
  void tearDown() {
    state.close();
    mesh.close();
    registry.close();
  }

  /** A mesh with a destination of every part: routes, endpoints, calls, a caller. */
  private String busyState() {
    registry.putService(ServiceConfig.builder("greeter")
        .addEndpoint(Endpoint.of("127.0.0.1:8081").withLabels(Map.of("version", "v1")).withZone("z1"))
        .addEndpoint(Endpoint.of("127.0.0.1:8082").withLabels(Map.of("version", "v2")))
        .client(ClientPolicy.builder()
            .addRoute(Route.to("canary", Map.of("x-canary", "1"), Map.of("version", "v2"))).build())
        .build());
    registry.putService(ServiceConfig.builder("quiet").addEndpoint(Endpoint.of("127.0.0.1:8083")).build());
    Destination greeter = mesh.destination("greeter");
    mesh.destination("quiet");
    mesh.destination("unknown-service");
    for (int i = 0; i < 50; i++) {
      try (Call call = greeter.newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
        Attempt a = call.nextAttempt();
        ticker.advanceMillis(3);
        a.complete(Outcome.http(200));
      }
    }
    try (InboundGuard guard = InboundGuard.create(mesh)) {
      InboundRequest request = new InboundRequest() {
        @Override public String method() {
          return "GET";
        }

        @Override public String header(String name) {
          return null;
        }
      };
      for (int i = 0; i < 5; i++) {
        try (InboundCall in = guard.begin(request)) {
          in.status(200);
        }
      }
    }
    state.json();
    ticker.advanceMillis(1_000);
    state.json();
    ticker.advanceMillis(1_000);
    return state.json();
  }

  @Test
  void realOutputValidatesAgainstTheSchema() {
    String json = busyState();
    List<Error> errors = validator.validate(json, InputFormat.JSON);
    assertThat(errors).as(json).isEmpty();
    // And the busy parts were really there to validate.
    Map<String, Object> doc = Documents.parse(json);
    assertThat(list(doc.get("destinations"))).hasSize(3);
    assertThat(list(map(doc.get("inbound")).get("callers"))).isNotEmpty();
  }

  @Test
  void aMeshWithAWorkloadIdentityShowsItsCertificateExpiryAndValidates(@TempDir Path ca) {
    Instant now = Instant.now();
    try (Mesh secure = Mesh.builder().serviceName("checkout").registry(registry)
            .meterRegistry(new SimpleMeterRegistry()).identity(MeshTls.developmentCa(ca)).build();
        MeshState secureState = MeshState.start(secure, Clock.fixed(now, ZoneOffset.UTC), ticker)) {
      String json = secureState.json();
      assertThat(validator.validate(json, InputFormat.JSON)).as(json).isEmpty();
      Map<String, Object> identity = map(Documents.parse(json).get("identity"));
      assertThat((String) identity.get("spiffeId")).startsWith("spiffe://").endsWith("/checkout");
      Instant notAfter = Instant.parse((String) identity.get("notAfter"));
      assertThat(notAfter).isAfter(now);
      assertThat(identity.get("secondsLeft")).isEqualTo(Duration.between(now, notAfter).toSeconds());
      List<String> mismatches = new ArrayList<>();
      compare("$", Documents.parse(json), schema, mismatches);
      assertThat(mismatches).isEmpty();
    }
  }

  @Test
  void everyEmittedObjectHasExactlyTheMembersTheSchemaRequires() {
    Map<String, Object> doc = Documents.parse(busyState());
    List<String> mismatches = new ArrayList<>();
    compare("$", doc, schema, mismatches);
    assertThat(mismatches).isEmpty();
  }

  @Test
  void theSchemaRefusesAFieldItDoesNotDescribe() {
    String json = busyState();
    String drifted = json.replaceFirst("\"ewmaMs\":", "\"ewmaMillis\":1.0,\"ewmaMs\":");
    assertThat(drifted).isNotEqualTo(json);
    assertThat(validator.validate(drifted, InputFormat.JSON)).extracting(Error::getMessage)
        .anySatisfy(m -> assertThat(m).contains("ewmaMillis"));
    String missing = json.replaceFirst("\"successRate\":[^,]*,", "");
    assertThat(validator.validate(missing, InputFormat.JSON)).isNotEmpty();
  }

  @Test
  void everySchemaPropertyHasADescription() {
    List<String> undocumented = new ArrayList<>();
    describe("$", schema, undocumented);
    assertThat(undocumented).isEmpty();
  }

  /** Walks the document with its schema: objects with properties must match them exactly. */
  private void compare(String path, Object value, Map<String, Object> node, List<String> mismatches) {
    node = resolve(node);
    if (node.containsKey("oneOf")) {
      for (Object option : list(node.get("oneOf"))) {
        Map<String, Object> o = resolve(map(option));
        if (value == null ? "null".equals(o.get("type")) : "object".equals(o.get("type")) && value instanceof Map) {
          compare(path, value, o, mismatches);
        }
      }
      return;
    }
    if (value instanceof Map<?, ?> m && node.get("properties") instanceof Map<?, ?> props) {
      TreeSet<String> emitted = new TreeSet<>();
      m.keySet().forEach(k -> emitted.add((String) k));
      TreeSet<String> required = new TreeSet<>();
      list(node.get("required")).forEach(r -> required.add((String) r));
      TreeSet<String> described = new TreeSet<>();
      props.keySet().forEach(k -> described.add((String) k));
      if (!emitted.equals(required) || !required.equals(described)) {
        mismatches.add(path + ": emitted " + emitted + ", required " + required + ", described " + described);
      }
      for (Map.Entry<?, ?> e : m.entrySet()) {
        Object sub = props.get(e.getKey());
        if (sub != null) compare(path + "." + e.getKey(), e.getValue(), map(sub), mismatches);
      }
    } else if (value instanceof List<?> l && node.get("items") instanceof Map<?, ?> items) {
      for (int i = 0; i < l.size(); i++) compare(path + "[" + i + "]", l.get(i), map(items), mismatches);
    }
  }

  private Map<String, Object> resolve(Map<String, Object> node) {
    Object ref = node.get("$ref");
    if (ref instanceof String r && r.startsWith("#/$defs/")) {
      return map(map(schema.get("$defs")).get(r.substring("#/$defs/".length())));
    }
    return node;
  }

  private void describe(String path, Map<String, Object> node, List<String> undocumented) {
    if (node.get("properties") instanceof Map<?, ?> props) {
      for (Map.Entry<?, ?> e : props.entrySet()) {
        Map<String, Object> sub = map(e.getValue());
        if (!(sub.get("description") instanceof String d) || d.isBlank()) undocumented.add(path + "." + e.getKey());
        describe(path + "." + e.getKey(), sub, undocumented);
      }
    }
    if (node.get("items") instanceof Map<?, ?> items) describe(path + "[]", map(items), undocumented);
    if (node.get("oneOf") instanceof List<?> options) {
      for (Object o : options) describe(path, map(o), undocumented);
    }
    if (node.get("$defs") instanceof Map<?, ?> defs) {
      for (Map.Entry<?, ?> e : defs.entrySet()) describe("$defs." + e.getKey(), map(e.getValue()), undocumented);
    }
  }
}
