package io.meshwork.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The identity ({@code address()}) and per-protocol addresses of endpoints with named ports. */
class EndpointPortsTest {
  private static Map<String, Integer> ports(Object... nameThenPort) {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (int i = 0; i < nameThenPort.length; i += 2) m.put((String) nameThenPort[i], (Integer) nameThenPort[i + 1]);
    return m;
  }

  @Test
  void anEndpointWithoutNamedPortsAnswersItsOwnAddressForEveryProtocol() {
    Endpoint e = Endpoint.of("10.0.0.5:8080");

    assertThat(e.ports()).isEmpty();
    assertThat(e.addressFor("grpc")).isEqualTo(new Address("10.0.0.5", 8080));
    assertThat(e.addressFor(Protocol.HTTP)).isEqualTo(new Address("10.0.0.5", 8080));
    assertThat(e.withPrimaryFor(Protocol.GRPC)).isSameAs(e);
    assertThat(e.addressFor((String) null)).isEqualTo(e.address());
    assertThat(e.port(null)).isEmpty();
    assertThat(new Endpoint(new Address("h", 1), "z", 2, Map.of())).isEqualTo(new Endpoint(new Address("h", 1), "z", 2, Map.of(), Map.of()));
  }

  @Test
  void ofPortNamesItsOnlyPort() {
    Endpoint e = Endpoint.ofPort("10.0.0.5", "grpc", 9090);

    assertThat(e.address()).isEqualTo(new Address("10.0.0.5", 9090));
    assertThat(e.port("grpc")).isEqualTo(OptionalInt.of(9090));
    assertThat(e.port("http")).isEmpty();
    assertThat(e.addressFor("http")).isEqualTo(e.address());
  }

  @Test
  void ofPortsPrefersThePrimaryNameElseTheFirstPort() {
    Map<String, Integer> ports = ports("admin", 9901, "http", 8080, "grpc", 9090);

    assertThat(Endpoint.ofPorts("h", ports, "grpc").address()).isEqualTo(new Address("h", 9090));
    assertThat(Endpoint.ofPorts("h", ports, "thrift").address()).isEqualTo(new Address("h", 9901));
    Endpoint e = Endpoint.ofPorts("h", ports, "http");
    assertThat(e.addressFor("grpc")).isEqualTo(new Address("h", 9090));
    assertThat(e.addressFor(Protocol.HTTP)).isEqualTo(new Address("h", 8080));
    assertThat(e.ports().keySet()).containsExactly("admin", "http", "grpc");
  }

  @Test
  void aServiceKeysItsEndpointsByThePortOfItsProtocol() {
    Endpoint both = Endpoint.ofPorts("h", ports("http", 8080, "grpc", 9090), "http");

    ServiceConfig grpc = ServiceConfig.builder("a").protocol(Protocol.GRPC).addEndpoint(both).build();
    ServiceConfig http = ServiceConfig.builder("a").protocol(Protocol.HTTP).addEndpoint(both).build();
    ServiceConfig extra = ServiceConfig.builder("a").protocol(Protocol.GRPC).build()
        .withExtraEndpoints(java.util.List.of(both));

    assertThat(grpc.endpoints().get(0).address()).isEqualTo(new Address("h", 9090));
    assertThat(http.endpoints().get(0).address()).isEqualTo(new Address("h", 8080));
    assertThat(extra.endpoints().get(0).address()).isEqualTo(new Address("h", 9090));
    assertThat(grpc.endpoints().get(0).ports()).isEqualTo(both.ports());
  }

  @Test
  void badPortsAreRefusedNamingTheField() {
    assertThatThrownBy(() -> Endpoint.ofPort("h", "GRPC", 9090)).hasMessage(
        "ports: 'GRPC' (expected: a lower-case name such as http or grpc: a letter, then letters, digits or '_', at most 32 characters)");
    assertThatThrownBy(() -> Endpoint.ofPort("h", "grpc", 0)).hasMessageStartingWith("port: 0 (expected: 1 to 65535)");
    assertThatThrownBy(() -> Endpoint.ofPorts("h", ports("http", 70000), "http"))
        .hasMessage("ports.http: 70000 (expected: a port from 1 to 65535)");
    assertThatThrownBy(() -> Endpoint.ofPorts("h", Map.of(), "http"))
        .hasMessage("ports: {} (expected: at least one named port)");
    assertThatThrownBy(() -> new Endpoint(new Address("h", 1), "", 1, Map.of(), Map.of("http", 2)))
        .hasMessageStartingWith("address: 'h:1' (expected: one of the named ports");
  }
}
