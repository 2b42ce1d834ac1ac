package io.meshwork.core.registry;

import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.MeshDocument;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.ServiceConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A registry held in memory and changed by code: for tests, and for embedding where the
 * application gets its mesh document from elsewhere.
 *
 * <p>Contract: see {@link Registry}. A service is known when the document names it or an
 * endpoint is registered for it; registered endpoints follow the document's own, in the
 * order they were registered (an address the document lists already is not added twice).
 * Registrations with named ports ({@link Endpoint#ofPort}) and the same host are merged into
 * one endpoint holding all their ports, as if one process made them all (this registry cannot
 * tell processes apart); closing one registration removes only its ports.
 * A watch is notified only when its service's snapshot actually changes.
 *
 * <p>Threading: thread-safe. There is no thread of its own: listeners are called
 * synchronously on the thread that makes the change ({@link #setDocument}, {@link
 * #putService}, {@link Registration#close()}, ...), one change at a time under a lock, before
 * that method returns. A listener must not block or wait for another thread that changes
 * this registry.
 *
 * <p>Unlike {@link FileRegistry}, it does not warn about services without endpoints or a
 * document without services: its documents are built by code, usually tests that register
 * endpoints at run time or check exactly that case, where such warnings would be noise.
 *
 * <p>After {@link #close()}, {@link #watch} and {@link #register} throw {@link
 * IllegalStateException}; the setters still update the document but notify nobody.
 */
public final class InMemoryRegistry implements Registry {
  private static final Logger log = LoggerFactory.getLogger(InMemoryRegistry.class);

  private static final LinkedHashMap<MemoryRegistration, Endpoint> EMPTY = new LinkedHashMap<>();

  private final SnapshotPublisher publisher;
  // Guarded by the publisher's lock.
  private MeshDocument document = MeshDocument.EMPTY;
  // Registered endpoints per service, in registration order. Guarded by the publisher's lock.
  private final Map<String, LinkedHashMap<MemoryRegistration, Endpoint>> registered = new HashMap<>();

  private InMemoryRegistry() {
    this.publisher = new SnapshotPublisher(this::view, log);
  }

  /** An empty registry: default mesh settings, no services. */
  public static InMemoryRegistry create() {
    return new InMemoryRegistry();
  }

  /** The document in force (without registered endpoints). */
  @Override
  public java.util.Set<String> serviceNames() {
    return java.util.Set.copyOf(document().services().keySet());
  }

  public MeshDocument document() {
    return publisher.locked(() -> document);
  }

  /** Replaces the whole document; watches of services that changed are notified. */
  public void setDocument(MeshDocument newDocument) {
    Objects.requireNonNull(newDocument, "document");
    publisher.change(() -> document = newDocument);
  }

  /** Adds or replaces one service of the document. */
  public void putService(ServiceConfig service) {
    Objects.requireNonNull(service, "service");
    publisher.change(() -> {
      Map<String, ServiceConfig> services = new HashMap<>(document.services());
      services.put(service.name(), service);
      document = new MeshDocument(document.mesh(), services);
    });
  }

  /** Removes a service from the document (its registered endpoints, if any, stay). */
  public void removeService(String name) {
    Objects.requireNonNull(name, "name");
    publisher.change(() -> {
      if (!document.services().containsKey(name)) return;
      Map<String, ServiceConfig> services = new HashMap<>(document.services());
      services.remove(name);
      document = new MeshDocument(document.mesh(), services);
    });
  }

  /** Replaces the mesh-wide settings; every watch is notified. */
  public void setMesh(MeshSettings mesh) {
    Objects.requireNonNull(mesh, "mesh");
    publisher.change(() -> document = new MeshDocument(mesh, document.services()));
  }

  /** {@inheritDoc} The source is {@code memory}; it never refuses a document nor fails to read. */
  @Override
  public RegistryStatus status() {
    return new RegistryStatus("memory", publisher.version(), publisher.lastChange(),
        java.util.List.of(), java.util.Optional.empty());
  }

  @Override
  public Watch watch(String service, ServiceListener listener) {
    return publisher.watch(service, listener);
  }

  /**
   * {@inheritDoc}
   *
   * <p>There is no lease: the endpoint stays until the registration or the registry is
   * closed.
   */
  @Override
  public Registration register(String service, Endpoint endpoint) {
    ServiceConfig.checkName(service);
    Objects.requireNonNull(endpoint, "endpoint");
    MemoryRegistration r = new MemoryRegistration(service, endpoint);
    publisher.change(() -> {
      if (publisher.isClosed()) {
        throw new IllegalStateException("registry closed: cannot register '" + service + "'");
      }
      registered.computeIfAbsent(service, s -> new LinkedHashMap<>()).put(r, endpoint);
    });
    return r;
  }

  /** Closes every watch and withdraws every registration. Idempotent. */
  @Override
  public void close() {
    publisher.change(() -> {
      publisher.close();
      registered.clear();
    });
  }

  // Called with the publisher's lock held.
  private SnapshotPublisher.View view(String service) {
    Map<MemoryRegistration, Endpoint> regs = registered.getOrDefault(service, EMPTY);
    boolean known = document.services().containsKey(service) || !regs.isEmpty();
    java.util.List<RegisteredEndpoints.Entry> entries = new ArrayList<>(regs.size());
    for (Endpoint e : regs.values()) entries.add(new RegisteredEndpoints.Entry("", e));
    ServiceConfig config = document.service(service).withExtraEndpoints(RegisteredEndpoints.merge(entries));
    return new SnapshotPublisher.View(known, document.mesh(), config);
  }

  private final class MemoryRegistration implements Registration {
    private final String service;
    private final Endpoint endpoint;

    MemoryRegistration(String service, Endpoint endpoint) {
      this.service = service;
      this.endpoint = endpoint;
    }

    @Override
    public String service() {
      return service;
    }

    @Override
    public Endpoint endpoint() {
      return endpoint;
    }

    @Override
    public void close() {
      publisher.change(() -> {
        LinkedHashMap<MemoryRegistration, Endpoint> regs = registered.get(service);
        if (regs != null && regs.remove(this) != null && regs.isEmpty()) {
          registered.remove(service);
        }
      });
    }

    @Override
    public String toString() {
      return "Registration[" + service + " at " + endpoint.address() + "]";
    }
  }
}
