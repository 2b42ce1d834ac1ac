package io.meshwork.spring.boot;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code meshwork.*} properties: who this service is, where the registry is, and the identity
 * it speaks mutual TLS as. Everything else (timeouts, retries, load balancing, TLS mode of the
 * mesh) is in the registry document, not here: the registry is the one place that describes the
 * mesh. Read once, when the {@code Mesh} bean is made.
 */
@ConfigurationProperties("meshwork")
public class MeshProperties {

  /** Whether to create the mesh and everything built on it (clients, the servlet filter). */
  private boolean enabled = true;

  /**
   * The name of this service in the mesh: its identity and the name its callers use. Defaults to
   * spring.application.name.
   */
  private String serviceName;

  /** The zone this process runs in; calls prefer endpoints of the same zone. Empty: none. */
  private String zone = "";

  private final Registry registry = new Registry();

  private final Tls tls = new Tls();

  private final Server server = new Server();
  private final Health health = new Health();
  private final Admin admin = new Admin();

  public boolean isEnabled() { return enabled; }

  public void setEnabled(boolean enabled) { this.enabled = enabled; }

  public String getServiceName() { return serviceName; }

  public void setServiceName(String serviceName) { this.serviceName = serviceName; }

  public String getZone() { return zone; }

  public void setZone(String zone) { this.zone = zone; }

  public Registry getRegistry() { return registry; }

  public Tls getTls() { return tls; }

  public Server getServer() { return server; }
  public Health getHealth() { return health; }

  public Admin getAdmin() { return admin; }

  /**
   * Where the mesh document comes from: a file on this machine ({@code meshwork.registry.file}) or
   * ZooKeeper ({@code meshwork.registry.zookeeper.*}, with the mesh-zookeeper module).
   */
  public static class Registry {

    /**
     * Which registry backs the mesh: file or zookeeper. Defaults to zookeeper when
     * meshwork.registry.zookeeper.connect is set, else file. Setting both the file and the
     * connect string without it fails the start-up.
     */
    private RegistryKind kind;

    /**
     * The registry: a YAML file, or a folder of them, watched for changes. Required unless the
     * application defines a Registry bean or the registry is ZooKeeper.
     */
    private Path file;

    /**
     * How often the registry file is checked for changes, including other processes'
     * registrations and withdrawals.
     */
    private Duration pollInterval = Duration.ofMillis(250);

    public Path getFile() { return file; }

    public void setFile(Path file) { this.file = file; }

    private final ZooKeeper zookeeper = new ZooKeeper();

    public RegistryKind getKind() { return kind; }

    public void setKind(RegistryKind kind) { this.kind = kind; }

    public Duration getPollInterval() { return pollInterval; }

    public void setPollInterval(Duration pollInterval) { this.pollInterval = pollInterval; }

    public ZooKeeper getZookeeper() { return zookeeper; }
  }

  /**
   * The ZooKeeper registry ({@code meshwork.registry.zookeeper.*}): the mesh document and every
   * process's registrations in znodes, shared by processes on different machines. Needs the
   * {@code io.meshwork:mesh-zookeeper} module on the class path.
   */
  public static class ZooKeeper {

    /**
     * The ensemble and the mesh's root path, host:port[,host:port...][/root], e.g.
     * zk1:2181,zk2:2181/meshwork/prod. The root defaults to /meshwork. Setting it selects the
     * ZooKeeper registry.
     */
    private String connect;

    /**
     * Digest credentials of this service, user:password: its registrations are created so that
     * only this identity can change them. Keep it out of the configuration files, e.g.
     * ${MESH_ZK_AUTH} from the environment.
     */
    private String auth;

    /**
     * How long ZooKeeper keeps this process's session, and so its registrations, after it stops
     * hearing from it: a dead process's endpoints disappear after this.
     */
    private Duration sessionTimeout = Duration.ofSeconds(15);

    /**
     * How long the start-up waits to connect and read the registry, and after which a lost
     * connection is reported as suspended.
     */
    private Duration connectionTimeout = Duration.ofSeconds(10);

    public String getConnect() { return connect; }

    public void setConnect(String connect) { this.connect = connect; }

    public String getAuth() { return auth; }

    public void setAuth(String auth) { this.auth = auth; }

    public Duration getSessionTimeout() { return sessionTimeout; }

    public void setSessionTimeout(Duration sessionTimeout) { this.sessionTimeout = sessionTimeout; }

    public Duration getConnectionTimeout() { return connectionTimeout; }

    public void setConnectionTimeout(Duration connectionTimeout) { this.connectionTimeout = connectionTimeout; }
  }

  /** Which registry backs the mesh ({@code meshwork.registry.kind}). */
  public enum RegistryKind {
    /** The file registry at {@code meshwork.registry.file}: the processes of one machine. */
    FILE,
    /**
     * ZooKeeper at {@code meshwork.registry.zookeeper.connect}, with the mesh-zookeeper module:
     * processes on any machine.
     */
    ZOOKEEPER
  }

  /** The web server as an endpoint of this service: registered once it listens, withdrawn first on shutdown. */
  public static class Server {

    /**
     * Whether to register the web server's port in the registry once it listens (as an endpoint
     * of meshwork.service-name, withdrawn on shutdown), and Boot's gRPC server's port too.
     */
    private boolean register = true;

    /**
     * The host announced in the registration. Defaults to server.address when the web server
     * is bound to one address, else 127.0.0.1.
     */
    private String advertiseHost;

    /**
     * How long to wait after withdrawing the registration, for callers to stop picking this
     * instance, before the web server's graceful shutdown begins. Defaults to
     * meshwork.registry.poll-interval plus 500 ms.
     */
    private Duration withdrawDelay;

    public boolean isRegister() { return register; }

    public void setRegister(boolean register) { this.register = register; }

    public String getAdvertiseHost() { return advertiseHost; }

    public void setAdvertiseHost(String advertiseHost) { this.advertiseHost = advertiseHost; }

    public Duration getWithdrawDelay() { return withdrawDelay; }

    public void setWithdrawDelay(Duration withdrawDelay) { this.withdrawDelay = withdrawDelay; }
  }

  /** The meshwork health indicator (with Spring Boot Actuator). */
  /**
   * mesh-admin's own admin server (dashboard, state.json, Prometheus, event stream) beside
   * Actuator, for processes that want the dashboard. Actuator's {@code /actuator/meshwork} serves
   * the same state document either way.
   */
  public static class Admin {

    /** Whether to start the admin server. */
    private boolean enabled = false;

    /** Its port; 0 picks a free one. */
    private int port = 9901;

    /**
     * The address it binds. The default, 127.0.0.1, keeps it on this machine; any other address
     * exposes the mesh's state (services, endpoints, callers) to whoever can reach it: put it
     * behind your own access control.
     */
    private String bindAddress = "127.0.0.1";

    public boolean isEnabled() { return enabled; }

    public void setEnabled(boolean enabled) { this.enabled = enabled; }

    public int getPort() { return port; }

    public void setPort(int port) { this.port = port; }

    public String getBindAddress() { return bindAddress; }

    public void setBindAddress(String bindAddress) { this.bindAddress = bindAddress; }
  }

  public static class Health {

    /**
     * How long before the certificate expires the meshwork health indicator reports
     * OUT_OF_SERVICE. An expired certificate is DOWN.
     */
    private Duration certificateExpiryWarning = Duration.ofHours(1);

    public Duration getCertificateExpiryWarning() { return certificateExpiryWarning; }

    public void setCertificateExpiryWarning(Duration certificateExpiryWarning) {
      this.certificateExpiryWarning = certificateExpiryWarning;
    }
  }

  /** The workload identity this service presents and verifies peers with. */
  public static class Tls {

    /**
     * Where the identity comes from: none (plaintext only), development-ca (a local development
     * certificate authority), pem (certificate and key files written by the platform) or
     * ssl-bundle (the Spring SSL bundle named by meshwork.tls.bundle).
     */
    private TlsMode mode = TlsMode.NONE;

    /**
     * The Spring SSL bundle (spring.ssl.bundle.pem.NAME or spring.ssl.bundle.jks.NAME) whose key,
     * certificate chain and trust store are the identity, for meshwork.tls.mode=ssl-bundle.
     * Followed when Boot reloads the bundle (reload-on-update).
     */
    private String bundle;

    private final DevelopmentCa developmentCa = new DevelopmentCa();

    private final Pem pem = new Pem();

    public TlsMode getMode() { return mode; }

    public void setMode(TlsMode mode) { this.mode = mode; }

    public String getBundle() { return bundle; }

    public void setBundle(String bundle) { this.bundle = bundle; }

    public DevelopmentCa getDevelopmentCa() { return developmentCa; }

    public Pem getPem() { return pem; }
  }

  /** The development certificate authority, for {@code meshwork.tls.mode=development-ca}. */
  public static class DevelopmentCa {

    /**
     * The folder of the development CA, created on first use and shared by the services of the
     * machine. Defaults to the .meshwork-ca folder beside meshwork.registry.file.
     */
    private Path folder;

    public Path getFolder() { return folder; }

    public void setFolder(Path folder) { this.folder = folder; }
  }

  /**
   * PEM files, for {@code meshwork.tls.mode=pem}, e.g. from cert-manager, Vault or the SPIFFE
   * helper; re-read when they change.
   */
  public static class Pem {

    /** This service's certificate followed by its intermediates, PEM. */
    private Path certificateChain;

    /** The private key of the certificate, PKCS#8 PEM. */
    private Path privateKey;

    /** The CA certificates that peers' certificates are verified against, PEM. */
    private Path trustBundle;

    public Path getCertificateChain() { return certificateChain; }

    public void setCertificateChain(Path certificateChain) { this.certificateChain = certificateChain; }

    public Path getPrivateKey() { return privateKey; }

    public void setPrivateKey(Path privateKey) { this.privateKey = privateKey; }

    public Path getTrustBundle() { return trustBundle; }

    public void setTrustBundle(Path trustBundle) { this.trustBundle = trustBundle; }
  }

  /** Where the workload identity comes from ({@code meshwork.tls.mode}). */
  public enum TlsMode {
    /** No identity: the mesh speaks plaintext only. */
    NONE,
    /** A development certificate authority in a local folder: for local runs and tests. */
    DEVELOPMENT_CA,
    /** Certificate, key and trust bundle from PEM files, reloaded when they change. */
    PEM,
    /**
     * Key, certificate chain and trust store of a named Spring SSL bundle ({@code
     * meshwork.tls.bundle}), followed when Boot reloads it.
     */
    SSL_BUNDLE
  }
}
