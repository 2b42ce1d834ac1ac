package io.meshwork.spring.boot;

import io.meshwork.core.Mesh;
import io.meshwork.core.WorkloadIdentity;
import io.meshwork.core.registry.FileRegistry;
import io.meshwork.core.registry.Registry;
import io.meshwork.tls.DevCertificateAuthority;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.PemIdentitySource;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.util.ClassUtils;

/**
 * The {@link Mesh} of this application, from the {@code meshwork.*} properties ({@link
 * MeshProperties}): its service name, zone, registry and identity, with Boot's {@code
 * MeterRegistry} and {@code OpenTelemetry} beans when the application has them. Every bean backs
 * off when the application defines its own; {@code meshwork.enabled=false} turns all of it off.
 *
 * <p>Properties are checked when the mesh is made, and a missing or inconsistent one fails the
 * start-up with a message that names it, in the form {@code property: value (expected: ...)}.
 */
@AutoConfiguration(afterName = {
    // When present, so that their beans are defined before the mesh asks for them.
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
    "org.springframework.boot.opentelemetry.autoconfigure.OpenTelemetrySdkAutoConfiguration"})
@ConditionalOnClass(Mesh.class)
@ConditionalOnBooleanProperty(name = "meshwork.enabled", matchIfMissing = true)
@EnableConfigurationProperties(MeshProperties.class)
public class MeshAutoConfiguration {

  static final String SERVICE_NAME = "meshwork.service-name";
  static final String APPLICATION_NAME = "spring.application.name";
  static final String REGISTRY_FILE = "meshwork.registry.file";
  static final String REGISTRY_KIND = "meshwork.registry.kind";
  static final String POLL_INTERVAL = "meshwork.registry.poll-interval";
  static final String CA_FOLDER = "meshwork.tls.development-ca.folder";
  static final String PEM = "meshwork.tls.pem.";
  static final String TLS_MODE = "meshwork.tls.mode";

  /**
   * The registry {@code meshwork.registry.*} names, counting its updates in Boot's meter
   * registry: the file registry at {@code meshwork.registry.file}, or, with {@code
   * meshwork.registry.zookeeper.connect} (and the mesh-zookeeper module), the ZooKeeper registry.
   * Closed with the context, after the mesh (which depends on it). Not made when the application
   * defines a registry, or the mesh itself.
   */
  @Bean
  @ConditionalOnMissingBean({Registry.class, Mesh.class})
  public Registry meshRegistry(MeshProperties properties, ObjectProvider<MeterRegistry> meters,
      ResourceLoader resourceLoader) {
    MeshProperties.Registry registry = properties.getRegistry();
    MeterRegistry m = meters.getIfUnique();
    if (registryKind(registry) == MeshProperties.RegistryKind.ZOOKEEPER) {
      if (isBlank(registry.getZookeeper().getConnect())) {
        throw new IllegalStateException(ZooKeeperRegistries.CONNECT + ": not set (expected: the ensemble and"
            + " root, host:port[,host:port...][/root], required with " + REGISTRY_KIND + "=zookeeper)");
      }
      if (!ClassUtils.isPresent(ZooKeeperRegistries.CLASS_NAME, resourceLoader.getClassLoader())) {
        throw new IllegalStateException(ZooKeeperRegistries.CONNECT + ": " + registry.getZookeeper().getConnect()
            + " (expected: the ZooKeeper registry on the class path: add the dependency"
            + " io.meshwork:mesh-zookeeper, or use " + REGISTRY_FILE + ")");
      }
      return ZooKeeperRegistries.create(registry.getZookeeper(), m);
    }
    Path file = registry.getFile();
    if (file == null) {
      throw new IllegalStateException(REGISTRY_FILE + ": not set (expected: the path of the mesh"
          + " registry, a YAML file or a folder of them; or " + ZooKeeperRegistries.CONNECT
          + "; or a Registry bean of the application's)");
    }
    FileRegistry.Builder b = FileRegistry.builder(file);
    try {
      b.pollInterval(registry.getPollInterval());
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalStateException(POLL_INTERVAL + ": " + registry.getPollInterval()
          + " (expected: a positive duration, e.g. 250ms)", e);
    }
    if (m != null) b.meterRegistry(m);
    return b.build();
  }

  /**
   * {@code meshwork.registry.kind} when set; else zookeeper when the connect string is set, and
   * file otherwise. Both a file and a connect string without a kind is ambiguous: a leftover from
   * another profile would silently pick one of two meshes.
   */
  static MeshProperties.RegistryKind registryKind(MeshProperties.Registry registry) {
    if (registry.getKind() != null) return registry.getKind();
    boolean zk = !isBlank(registry.getZookeeper().getConnect());
    if (zk && registry.getFile() != null) {
      throw new IllegalStateException(REGISTRY_FILE + " and " + ZooKeeperRegistries.CONNECT
          + ": both set (expected: one of them, or " + REGISTRY_KIND + "=file|zookeeper to choose)");
    }
    return zk ? MeshProperties.RegistryKind.ZOOKEEPER : MeshProperties.RegistryKind.FILE;
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  /**
   * The mesh; closed with the context, which closes its identity too. With {@code
   * meshwork.tls.mode=ssl-bundle} its identity comes from Boot's {@code SslBundles}.
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public Mesh mesh(MeshProperties properties, Environment environment, Registry registry,
      ObjectProvider<MeterRegistry> meters, ObjectProvider<OpenTelemetry> openTelemetry,
      ObjectProvider<SslBundles> sslBundles) {
    Mesh.Builder b = Mesh.builder()
        .serviceName(serviceName(properties, environment))
        .zone(properties.getZone() == null ? "" : properties.getZone())
        .registry(registry);
    meters.ifUnique(b::meterRegistry);
    openTelemetry.ifUnique(b::openTelemetry);
    Function<Mesh, ? extends WorkloadIdentity> identity = identity(properties.getTls(), registry,
        () -> sslBundles(sslBundles));
    if (identity != null) b.identity(identity);
    return b.build();
  }

  static String serviceName(MeshProperties properties, Environment environment) {
    String name = properties.getServiceName();
    if (name == null || name.isBlank()) name = environment.getProperty(APPLICATION_NAME);
    if (name == null || name.isBlank()) {
      throw new IllegalStateException(SERVICE_NAME + ": not set, nor " + APPLICATION_NAME
          + " (expected: the name of this service in the mesh, in either)");
    }
    try {
      return io.meshwork.core.model.ServiceConfig.checkName(name);
    } catch (IllegalArgumentException e) {
      String source = properties.getServiceName() != null ? SERVICE_NAME : APPLICATION_NAME;
      throw new IllegalStateException(source + ": " + e.getMessage(), e);
    }
  }

  private static SslBundles sslBundles(ObjectProvider<SslBundles> bundles) {
    SslBundles b = bundles.getIfAvailable();
    if (b == null) {
      throw new IllegalStateException(TLS_MODE + ": ssl-bundle (expected: Spring Boot's SSL bundles,"
          + " from SslAutoConfiguration or an SslBundles bean)");
    }
    return b;
  }

  /** The identity factory {@code meshwork.tls.*} names, or null for none. */
  static Function<Mesh, MeshTls> identity(MeshProperties.Tls tls, Registry registry, Supplier<SslBundles> bundles) {
    return switch (tls.getMode()) {
      case NONE -> null;
      case DEVELOPMENT_CA -> MeshTls.developmentCa(caFolder(tls, registry));
      case PEM -> {
        MeshProperties.Pem pem = tls.getPem();
        Path chain = required(pem.getCertificateChain(), PEM + "certificate-chain");
        Path key = required(pem.getPrivateKey(), PEM + "private-key");
        Path bundle = required(pem.getTrustBundle(), PEM + "trust-bundle");
        yield MeshTls.from(PemIdentitySource.builder(chain, key, bundle).build());
      }
      case SSL_BUNDLE -> {
        SslBundleIdentitySource source = SslBundleIdentitySource.open(bundles.get(), tls.getBundle());
        Function<Mesh, MeshTls> from = MeshTls.from(source);
        yield mesh -> {
          try {
            return from.apply(mesh);
          } catch (IllegalArgumentException e) {
            throw new IllegalStateException(SslBundleIdentitySource.BUNDLE + ": " + tls.getBundle() + " ("
                + e.getMessage() + ")", e);
          }
        };
      }
    };
  }

  private static Path caFolder(MeshProperties.Tls tls, Registry registry) {
    Path folder = tls.getDevelopmentCa().getFolder();
    if (folder != null) return folder;
    if (registry instanceof FileRegistry file) return DevCertificateAuthority.folderBeside(file.path());
    throw new IllegalStateException(CA_FOLDER + ": not set (expected: the development CA's folder;"
        + " it defaults to one beside " + REGISTRY_FILE + " only when the registry is a file)");
  }

  private static Path required(Path value, String property) {
    if (value == null) {
      throw new IllegalStateException(property + ": not set (expected: a PEM file, required with"
          + " meshwork.tls.mode=pem)");
    }
    return value;
  }
}
