package io.meshwork.core.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * One instance of a service, which may listen on several ports, one per protocol.
 *
 * <h2>Identity and named ports</h2>
 *
 * The engine keys an endpoint's state (load, ejection, health) by {@link #address()}, so that
 * is its identity. An endpoint of a single port is just that {@code host:port}. An endpoint
 * may also name its ports, {@code {http: 8080, grpc: 9090, admin: 9901}}; then
 * {@code address()} is the host with one of them, the <em>primary</em> port: the port named by
 * the service's {@linkplain ServiceConfig#protocol() protocol} ({@code http} or {@code grpc})
 * when the endpoint names it, else the first port listed. {@link ServiceConfig} applies this
 * rule to every endpoint it holds, so {@code address()} of an endpoint read from a service is
 * always its primary port. A transport asks {@link #addressFor(String)} for the socket address
 * of its own protocol: the named port when there is one, else {@code address()}.
 *
 * @param address where it listens: its identity (see above); for an endpoint with named ports,
 *     its host and one of those ports
 * @param zone its zone (locality), or the empty string when unknown
 * @param weight its share in load balancing, 1 to {@value Defaults#MAX_WEIGHT}; default
 *     {@value Defaults#ENDPOINT_WEIGHT}
 * @param labels labels that routes select on, e.g. {@code version: v2}
 * @param ports its named ports, in the order listed (iteration order is kept; equality ignores
 *     it); names are {@linkplain #checkPortName lower-case identifiers}, ports 1 to 65535; empty
 *     when the endpoint has just {@code address}
 */
public record Endpoint(
    Address address, String zone, int weight, Map<String, String> labels, Map<String, Integer> ports) {

  /** The form of a port name: a lower-case letter, then lower-case letters, digits or '_'. */
  private static final Pattern PORT_NAME = Pattern.compile("[a-z][a-z0-9_]{0,31}");
  /** What a port name must look like, for messages. */
  public static final String PORT_NAME_FORM =
      "a lower-case name such as http or grpc: a letter, then letters, digits or '_', at most 32 characters";

  public Endpoint {
    Check.notNull("address", address);
    zone = zone == null ? "" : zone;
    Check.range("weight", weight, 1, Defaults.MAX_WEIGHT);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    ports = copyPorts(ports);
    if (!ports.isEmpty() && !ports.containsValue(address.port())) {
      throw new IllegalArgumentException("address: '" + address + "' (expected: one of the named ports "
          + ports + " when the endpoint names its ports)");
    }
  }

  /** An endpoint without named ports (the form before named ports existed). */
  public Endpoint(Address address, String zone, int weight, Map<String, String> labels) {
    this(address, zone, weight, labels, Map.of());
  }

  /** An endpoint with default zone, weight and labels. */
  public static Endpoint of(String address) {
    return new Endpoint(Address.parse(address), "", Defaults.ENDPOINT_WEIGHT, Map.of());
  }

  /**
   * An endpoint with one named port, as a server registers itself: {@code
   * Endpoint.ofPort(host, "grpc", 9090)}. Registries merge the registrations of one process
   * with the same host into one endpoint holding every named port (see {@link
   * io.meshwork.core.registry.Registry#register}).
   */
  public static Endpoint ofPort(String host, String name, int port) {
    return new Endpoint(new Address(host, port), "", Defaults.ENDPOINT_WEIGHT, Map.of(),
        Map.of(checkPortName(name), port));
  }

  /**
   * An endpoint with named ports and default zone, weight and labels; {@code address()} is the
   * port named {@code primary} when there is one, else the first port of {@code ports} (give an
   * ordered map, e.g. a {@link LinkedHashMap}).
   *
   * @throws IllegalArgumentException if {@code ports} is empty or invalid
   */
  public static Endpoint ofPorts(String host, Map<String, Integer> ports, String primary) {
    Map<String, Integer> checked = copyPorts(ports);
    if (checked.isEmpty()) {
      throw new IllegalArgumentException("ports: {} (expected: at least one named port)");
    }
    return new Endpoint(new Address(host, primaryPort(checked, primary)), "", Defaults.ENDPOINT_WEIGHT,
        Map.of(), checked);
  }

  /** Checks a port name, throwing with the expected form when it is not one. */
  public static String checkPortName(String name) {
    if (name == null || !PORT_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("ports: " + (name == null ? "null" : Check.quote(name))
          + " (expected: " + PORT_NAME_FORM + ")");
    }
    return name;
  }

  /** The port named {@code name}, if this endpoint names it. */
  public OptionalInt port(String name) {
    Integer p = ports.get(name);
    return p == null ? OptionalInt.empty() : OptionalInt.of(p);
  }

  /**
   * Where a transport of protocol {@code portName} connects: the host with the port of that
   * name when this endpoint names one, else {@link #address()}. For example an endpoint {@code
   * {address: 10.0.0.5, ports: {http: 8080, grpc: 9090}}} gives {@code 10.0.0.5:9090} for
   * {@code "grpc"} and {@code 10.0.0.5:8080} for {@code "http"}.
   */
  public Address addressFor(String portName) {
    Integer p = ports.get(portName);
    return p == null || p == address.port() ? address : new Address(address.host(), p);
  }

  /** {@link #addressFor(String)} with the protocol's document name ({@code http}, {@code grpc}). */
  public Address addressFor(Protocol protocol) {
    return addressFor(protocol.documentName());
  }

  /**
   * This endpoint with {@link #address()} on its primary port for a service of {@code
   * protocol}: the port named by the protocol when there is one, else the first port listed.
   * An endpoint without named ports is returned as is.
   */
  public Endpoint withPrimaryFor(Protocol protocol) {
    if (ports.isEmpty()) return this;
    int primary = primaryPort(ports, protocol.documentName());
    return primary == address.port() ? this
        : new Endpoint(new Address(address.host(), primary), zone, weight, labels, ports);
  }

  /** Whether every label in {@code selector} is present on this endpoint with that value. */
  public boolean matches(Map<String, String> selector) {
    for (Map.Entry<String, String> e : selector.entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) return false;
    }
    return true;
  }

  public Endpoint withZone(String newZone) {
    return new Endpoint(address, newZone, weight, labels, ports);
  }

  public Endpoint withWeight(int newWeight) {
    return new Endpoint(address, zone, newWeight, labels, ports);
  }

  public Endpoint withLabels(Map<String, String> newLabels) {
    return new Endpoint(address, zone, weight, newLabels, ports);
  }

  private static int primaryPort(Map<String, Integer> ports, String primary) {
    Integer p = ports.get(primary);
    return p != null ? p : ports.values().iterator().next();
  }

  private static Map<String, Integer> copyPorts(Map<String, Integer> ports) {
    if (ports == null || ports.isEmpty()) return Collections.emptyMap(); // get(null) is allowed
    Map<String, Integer> copy = new LinkedHashMap<>();
    for (Map.Entry<String, Integer> e : ports.entrySet()) {
      String name = checkPortName(e.getKey());
      Integer port = e.getValue();
      if (port == null || port < 1 || port > 65535) {
        throw new IllegalArgumentException("ports." + name + ": " + port + " (expected: a port from 1 to 65535)");
      }
      copy.put(name, port);
    }
    return Collections.unmodifiableMap(copy);
  }
}
