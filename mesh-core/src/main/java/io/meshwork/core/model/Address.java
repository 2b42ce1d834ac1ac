package io.meshwork.core.model;

/**
 * A host and port, written {@code 127.0.0.1:8081}, {@code greeter-1.internal:443} or
 * {@code [::1]:8080}.
 */
public record Address(String host, int port) {
  public Address {
    Check.nonBlank("host", host);
    Check.range("port", port, 1, 65535);
  }

  /** Parses {@code host:port} (IPv6 hosts in brackets). */
  public static Address parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("null (expected: host:port)");
    }
    String t = text.trim();
    int colon = t.lastIndexOf(':');
    String host = colon > 0 ? t.substring(0, colon) : "";
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.contains(":")) {
      host = "";
    }
    String port = colon > 0 ? t.substring(colon + 1) : "";
    if (host.isEmpty() || !port.matches("\\d{1,5}")) {
      throw new IllegalArgumentException("'" + text + "' (expected: host:port, IPv6 as [::1]:8080)");
    }
    int p = Integer.parseInt(port);
    if (p < 1 || p > 65535) {
      throw new IllegalArgumentException("'" + text + "' (expected: a port from 1 to 65535)");
    }
    return new Address(host, p);
  }

  @Override
  public String toString() {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }
}
