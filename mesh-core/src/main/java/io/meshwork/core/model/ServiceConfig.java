package io.meshwork.core.model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One service of the mesh: its protocol, its endpoints, how callers call it and how it
 * accepts calls.
 *
 * @param name the service name, {@code [a-z0-9]([a-z0-9.-]*[a-z0-9])?}, at most 63 characters
 * @param protocol default {@code http}
 * @param endpoints its instances; addresses are unique. An endpoint with named ports is kept
 *     with its {@link Endpoint#address() address} on the port named by {@code protocol} when it
 *     names one, else on its first port (see {@link Endpoint#withPrimaryFor})
 * @param client how callers call it
 * @param server how it accepts calls
 */
public record ServiceConfig(
    String name, Protocol protocol, List<Endpoint> endpoints, ClientPolicy client, ServerPolicy server) {

  public ServiceConfig {
    checkName(name);
    Check.notNull("protocol", protocol);
    Check.notNull("endpoints", endpoints);
    List<Endpoint> primary = new ArrayList<>(endpoints.size());
    for (Endpoint e : endpoints) primary.add(Check.notNull("endpoints", e).withPrimaryFor(protocol));
    endpoints = List.copyOf(primary);
    Set<Address> seen = new HashSet<>();
    for (Endpoint e : endpoints) {
      if (!seen.add(e.address())) {
        throw new IllegalArgumentException(
            "endpoints: duplicate address " + e.address() + " (expected: each address once)");
      }
    }
    Check.notNull("client", client);
    Check.notNull("server", server);
  }

  /** Checks a service name, throwing with the expected form when it is not one. */
  public static String checkName(String name) {
    if (name == null || name.length() > 63 || !name.matches("[a-z0-9]([a-z0-9.-]*[a-z0-9])?")) {
      throw new IllegalArgumentException("service name: '" + name
          + "' (expected: lower-case letters, digits, '.' and '-', starting and ending with a letter or digit, at most 63 characters)");
    }
    return name;
  }

  /** A service with the given endpoints and every default. */
  public static ServiceConfig of(String name, Endpoint... endpoints) {
    return builder(name).endpoints(List.of(endpoints)).build();
  }

  /** An unknown service: no endpoints, default policies. */
  public static ServiceConfig unknown(String name) {
    return builder(name).build();
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  public Builder toBuilder() {
    return new Builder(name).protocol(protocol).endpoints(endpoints).client(client).server(server);
  }

  /** This service with {@code extra} endpoints added after its own (same address: own wins). */
  public ServiceConfig withExtraEndpoints(List<Endpoint> extra) {
    if (extra.isEmpty()) return this;
    List<Endpoint> all = new ArrayList<>(endpoints);
    Set<Address> seen = new HashSet<>();
    for (Endpoint e : endpoints) seen.add(e.address());
    for (Endpoint e : extra) {
      Endpoint p = e.withPrimaryFor(protocol);
      if (seen.add(p.address())) all.add(p);
    }
    return new ServiceConfig(name, protocol, all, client, server);
  }

  /** Builds a {@link ServiceConfig}; fields start at the defaults. */
  public static final class Builder {
    private final String name;
    private Protocol protocol = Defaults.PROTOCOL;
    private List<Endpoint> endpoints = new ArrayList<>();
    private ClientPolicy client = ClientPolicy.DEFAULT;
    private ServerPolicy server = ServerPolicy.DEFAULT;

    private Builder(String name) {
      this.name = name;
    }

    public Builder protocol(Protocol v) { this.protocol = v; return this; }
    public Builder endpoints(List<Endpoint> v) { this.endpoints = new ArrayList<>(v); return this; }
    public Builder addEndpoint(Endpoint v) { this.endpoints.add(v); return this; }
    public Builder client(ClientPolicy v) { this.client = v; return this; }
    public Builder server(ServerPolicy v) { this.server = v; return this; }

    public ServiceConfig build() {
      return new ServiceConfig(name, protocol, endpoints, client, server);
    }
  }
}
