package io.meshwork.meshctl;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** The options every ZooKeeper command takes (a picocli mixin). */
final class ZkOptions {
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  @Option(names = "--zookeeper", paramLabel = "host:port[/root]",
      description = "ZooKeeper hosts and the mesh's root path, host:port[,host:port...][/root];"
          + " root defaults to /meshwork. Default: the environment variable MESHCTL_ZOOKEEPER.")
  String zookeeper;

  @Option(names = "--auth", paramLabel = "user:password",
      description = "Digest identity to act as (the operator who owns the document)."
          + " Default: the environment variable MESHCTL_AUTH.")
  String auth;

  @Option(names = "--timeout", paramLabel = "duration", converter = DurationConverter.class,
      description = "How long to wait for ZooKeeper, e.g. 10s, 500ms, 1m. Default: 10s.")
  Duration timeout = DEFAULT_TIMEOUT;

  /** The target, from {@code --zookeeper} or {@code MESHCTL_ZOOKEEPER}. */
  ZkTarget target(Map<String, String> env) {
    return ZkTarget.parse(zookeeper != null ? zookeeper : env.get("MESHCTL_ZOOKEEPER"));
  }

  /** The digest identity, from {@code --auth} or {@code MESHCTL_AUTH}; null for none. */
  String auth(Map<String, String> env) {
    String a = auth != null ? auth : env.get("MESHCTL_AUTH");
    if (a == null || a.isEmpty()) return null;
    int colon = a.indexOf(':');
    if (colon <= 0 || colon == a.length() - 1) {
      throw Failure.invalid("--auth: not user:password (expected: a digest identity such as ops:secret)");
    }
    return a;
  }

  /** Durations as people write them: {@code 10s}, {@code 500ms}, {@code 2m}, or ISO-8601 {@code PT10S}. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      Duration d = parse(value);
      if (d == null || d.isNegative() || d.isZero()) {
        throw new TypeConversionException("'" + value + "' (expected: a positive duration such as 10s, 500ms or 1m)");
      }
      return d;
    }

    static Duration parse(String value) {
      String v = value.strip().toLowerCase(Locale.ROOT);
      try {
        if (v.startsWith("pt")) return Duration.parse(v);
        if (v.endsWith("ms")) return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        long n = Long.parseLong(v.substring(0, v.length() - 1));
        return switch (v.charAt(v.length() - 1)) {
          case 's' -> Duration.ofSeconds(n);
          case 'm' -> Duration.ofMinutes(n);
          default -> null;
        };
      } catch (RuntimeException e) {
        return null;
      }
    }
  }
}
