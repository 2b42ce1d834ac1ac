package io.meshwork.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.meshwork.core.model.Address;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.MeshDocument;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Endpoints with named ports in the registry document: what is accepted, what is refused and why. */
class NamedPortsParserTest {
  private static final String FILE = "conf/mesh.yaml";

  private static MeshDocument parse(String yaml) {
    return MeshDocumentParser.parse(new DocumentSource(FILE, yaml));
  }

  private static ConfigProblem problem(String yaml) {
    InvalidDocumentException e = catchThrowableOfType(InvalidDocumentException.class, () -> parse(yaml));
    assertThat(e).as("refused: %s", yaml).isNotNull();
    assertThat(e.problems()).as("exactly one problem").hasSize(1);
    return e.problems().get(0);
  }

  @Test
  void anEndpointWithNamedPortsIsReadWithItsPortsInOrder() {
    MeshDocument doc = parse("""
        services:
          greeter:
            endpoints:
              - { address: 10.0.0.5, ports: { http: 8080, grpc: 9090, admin: 9901 }, zone: a, weight: 3 }
        """);

    Endpoint e = doc.service("greeter").endpoints().get(0);
    assertThat(e.ports()).containsExactly(Map.entry("http", 8080), Map.entry("grpc", 9090), Map.entry("admin", 9901));
    assertThat(e.zone()).isEqualTo("a");
    assertThat(e.weight()).isEqualTo(3);
    assertThat(e.address()).isEqualTo(new Address("10.0.0.5", 8080)); // protocol http (default) names 8080
    assertThat(e.addressFor("grpc")).isEqualTo(new Address("10.0.0.5", 9090));
    assertThat(e.addressFor("admin")).isEqualTo(new Address("10.0.0.5", 9901));
    assertThat(e.addressFor("metrics")).isEqualTo(e.address());
  }

  @Test
  void theAddressIsThePortOfTheServicesProtocolElseTheFirstOne() {
    MeshDocument doc = parse("""
        services:
          grpcsvc:
            protocol: grpc
            endpoints: [ { address: 10.0.0.5, ports: { http: 8080, grpc: 9090 } } ]
          adminonly:
            protocol: grpc
            endpoints: [ { address: 10.0.0.6, ports: { admin: 9901, metrics: 9902 } } ]
          plain:
            endpoints: [ 10.0.0.7:80, { address: 10.0.0.8:81 } ]
        """);

    assertThat(doc.service("grpcsvc").endpoints().get(0).address()).isEqualTo(new Address("10.0.0.5", 9090));
    assertThat(doc.service("adminonly").endpoints().get(0).address()).isEqualTo(new Address("10.0.0.6", 9901));
    assertThat(doc.service("plain").endpoints()).extracting(Endpoint::address, Endpoint::ports)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(new Address("10.0.0.7", 80), Map.of()),
            org.assertj.core.groups.Tuple.tuple(new Address("10.0.0.8", 81), Map.of()));
  }

  @Test
  void anIpv6HostIsAcceptedWithOrWithoutBrackets() {
    MeshDocument doc = parse("""
        services:
          a:
            endpoints:
              - { address: "::1", ports: { http: 8080 } }
              - { address: "[fe80::2]", ports: { http: 8080 } }
        """);

    assertThat(doc.service("a").endpoints()).extracting(Endpoint::address)
        .containsExactly(new Address("::1", 8080), new Address("fe80::2", 8080));
  }

  @Test
  void twoEndpointsWhosePrimaryPortsMeetAreDuplicates() {
    ConfigProblem p = problem("""
        services:
          a:
            endpoints:
              - 10.0.0.5:8080
              - { address: 10.0.0.5, ports: { http: 8080, grpc: 9090 } }
        """);

    assertThat(p.field()).isEqualTo("services.a.endpoints[1].address");
    assertThat(p.message()).isEqualTo("'10.0.0.5:8080' (expected: each address once; first at line 4)");
  }

  @Test
  void anAddressWithAPortBesidePortsIsRefused() {
    ConfigProblem p = problem("services: { a: { endpoints: [ { address: 10.0.0.5:8080, ports: { http: 8080 } } ] } }\n");

    assertThat(p.field()).isEqualTo("services.a.endpoints[0].address");
    assertThat(p.message()).isEqualTo("'10.0.0.5:8080' (expected: a host without port when ports are given,"
        + " such as 10.0.0.5 or [::1]; the ports go under ports)");
  }

  @Test
  void portsWithoutAnAddressAreRefused() {
    ConfigProblem p = problem("services: { a: { endpoints: [ { ports: { http: 8080 } } ] } }\n");

    assertThat(p.field()).isEqualTo("services.a.endpoints[0].address");
    assertThat(p.message()).isEqualTo("missing (expected: a host without port when ports are given, such as 10.0.0.5 or [::1])");
  }

  @Test
  void aHostWithoutPortAndWithoutPortsIsStillRefused() {
    ConfigProblem p = problem("services: { a: { endpoints: [ { address: 10.0.0.5 } ] } }\n");

    assertThat(p.field()).isEqualTo("services.a.endpoints[0].address");
    assertThat(p.message()).startsWith("'10.0.0.5' (expected: host:port");
  }

  @Test
  void badPortNamesAreRefusedAtTheirKey() {
    for (String name : List.of("HTTP", "1http", "h-t", "'h t'", "\"\"")) {
      ConfigProblem p = problem("services: { a: { endpoints: [ { address: 10.0.0.5, ports: { " + name + ": 8080 } } ] } }\n");
      assertThat(p.field()).as(name).startsWith("services.a.endpoints[0].ports");
      assertThat(p.message()).as(name).endsWith("(expected: a lower-case name such as http or grpc: a letter, then"
          + " letters, digits or '_', at most 32 characters)");
    }
    String yaml = "services: { a: { endpoints: [ { address: 10.0.0.5, ports: { Grpc: 9090 } } ] } }\n";
    ConfigProblem upper = problem(yaml);
    assertThat(upper.field()).isEqualTo("services.a.endpoints[0].ports.Grpc");
    assertThat(upper.message()).startsWith("'Grpc' (expected: a lower-case name");
    assertThat(upper.column()).isEqualTo(yaml.indexOf("Grpc") + 1);
  }

  @Test
  void portsOutOfRangeOrNotNumbersAreRefusedAtTheirValue() {
    assertThat(problem("services: { a: { endpoints: [ { address: h, ports: { http: 0 } } ] } }\n"))
        .extracting(ConfigProblem::field, ConfigProblem::message)
        .containsExactly("services.a.endpoints[0].ports.http", "'0' (expected: a port from 1 to 65535)");
    assertThat(problem("services: { a: { endpoints: [ { address: h, ports: { http: 65536 } } ] } }\n").message())
        .isEqualTo("'65536' (expected: a port from 1 to 65535)");
    assertThat(problem("services: { a: { endpoints: [ { address: h, ports: { http: eighty } } ] } }\n"))
        .extracting(ConfigProblem::field, ConfigProblem::message)
        .containsExactly("services.a.endpoints[0].ports.http", "'eighty' (expected: a whole number)");
  }

  @Test
  void portsThatAreNotAMappingOrEmptyAreRefused() {
    assertThat(problem("services: { a: { endpoints: [ { address: h, ports: [ 8080 ] } ] } }\n"))
        .extracting(ConfigProblem::field, ConfigProblem::message)
        .containsExactly("services.a.endpoints[0].ports",
            "a list (expected: a mapping of port names to ports, such as { http: 8080, grpc: 9090 })");
    assertThat(problem("services: { a: { endpoints: [ { address: h, ports: {} } ] } }\n"))
        .extracting(ConfigProblem::field, ConfigProblem::message)
        .containsExactly("services.a.endpoints[0].ports",
            "an empty mapping (expected: at least one named port, such as http: 8080)");
  }

  @Test
  void aPortNamedTwiceIsRefusedAtTheSecond() {
    ConfigProblem p = problem("""
        services:
          a:
            endpoints:
              - address: h
                ports:
                  http: 8080
                  http: 8081
        """);

    assertThat(p.field()).isEqualTo("services.a.endpoints[0].ports.http");
    assertThat(p.line()).isEqualTo(7);
    assertThat(p.message()).startsWith("'http' (expected: each key once in a mapping; first at line 6)");
  }

  @Test
  void aRegistrationFileWithNamedPortsRoundTrips() {
    Endpoint grpc = Endpoint.ofPort("10.0.0.5", "grpc", 9090).withZone("z").withLabels(Map.of("v", "1"));
    String yaml = FileRegistry.endpointYaml(grpc);

    assertThat(yaml).contains("address: 10.0.0.5").contains("ports:").doesNotContain("10.0.0.5:9090");
    assertThat(MeshDocumentParser.parseEndpoint(new DocumentSource("r.yaml", yaml))).isEqualTo(grpc);
    Endpoint v6 = Endpoint.ofPort("::1", "http", 80);
    assertThat(MeshDocumentParser.parseEndpoint(new DocumentSource("r.yaml", FileRegistry.endpointYaml(v6)))).isEqualTo(v6);
  }
}
