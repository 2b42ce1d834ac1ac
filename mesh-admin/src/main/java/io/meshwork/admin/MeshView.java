package io.meshwork.admin;

import io.meshwork.core.Destination;
import io.meshwork.core.EndpointStatus;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.registry.ServiceSnapshot;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The mesh-wide map ({@code mesh.json}, schema {@value #SCHEMA}): this process and every peer it
 * can find, each with its destinations and callers and their rates, so one dashboard can draw the
 * whole mesh.
 *
 * <p>Peers are the processes behind the {@code admin} named port that endpoints announce (see
 * {@code Mesh.announcePort}): the endpoints of this mesh's destinations and the other
 * registrations of its own service. At most {@code maxPeers} of them (the first by address) are
 * asked for their {@code /admin/state.json}, all at once, each bounded by {@code peerTimeout}
 * (how many were left out is the document's {@code peersLeftOut});
 * one that does not answer in time, or answers with something else than a {@code state.json},
 * is listed with {@code "status": "unreachable"} and the reason, never failing the whole. The
 * combined answer is kept for {@value #CACHE_MILLIS} ms, so a room full of dashboards does not
 * multiply the fan-out.
 *
 * <p>Thread-safe. The fan-out runs on {@code client}'s executor; nothing here blocks.
 */
public final class MeshView {
  /** The schema name and version that {@code mesh.json} carries in its {@code schema} field. */
  public static final String SCHEMA = "meshwork.admin.mesh/1";

  /** The default bound of each peer's answer. */
  public static final Duration DEFAULT_PEER_TIMEOUT = Duration.ofMillis(500);

  /** The default number of peers asked at most. */
  public static final int DEFAULT_MAX_PEERS = 32;

  static final long CACHE_MILLIS = 2_000;
  /** Peers' documents larger than this are refused (a state.json of 100 x 10 is ~400 KB). */
  private static final int MAX_PEER_BYTES = 8 << 20;

  private final MeshState self;
  private final HttpClient client;
  private final Duration peerTimeout;
  private final int maxPeers;
  private CompletableFuture<String> cached;
  private long cachedAt;

  /**
   * A view from {@code self}'s process.
   *
   * @param client the client that asks peers (its executor runs the fan-out)
   * @param peerTimeout how long each peer may take to answer; positive
   * @param maxPeers how many peers are asked at most; 0 or more
   */
  public MeshView(MeshState self, HttpClient client, Duration peerTimeout, int maxPeers) {
    this.self = Objects.requireNonNull(self, "self");
    this.client = Objects.requireNonNull(client, "client");
    Objects.requireNonNull(peerTimeout, "peerTimeout");
    if (peerTimeout.isNegative() || peerTimeout.isZero()) {
      throw new IllegalArgumentException("peerTimeout: " + peerTimeout + " (expected: a positive duration)");
    }
    if (maxPeers < 0) throw new IllegalArgumentException("maxPeers: " + maxPeers + " (expected: 0 or more)");
    this.peerTimeout = peerTimeout;
    this.maxPeers = maxPeers;
  }

  /**
   * The {@code mesh.json} text. Completes within about {@code peerTimeout} (at once from the cache)
   * and never completes exceptionally: an unreachable peer is reported as such.
   */
  public synchronized CompletableFuture<String> json() {
    long now = self.ticker().nanoTime();
    if (cached != null && now - cachedAt < TimeUnit.MILLISECONDS.toNanos(CACHE_MILLIS)) return cached;
    cachedAt = now;
    cached = build();
    return cached;
  }

  private CompletableFuture<String> build() {
    Map<String, Object> own = self.document();
    String ownAdmin = string(map(own.get("service")).get("admin"));
    Map<String, String> peers = peers(self.mesh(), self.ownSnapshot(), ownAdmin);
    List<CompletableFuture<Process>> fetches = new ArrayList<>();
    int n = 0;
    for (Map.Entry<String, String> peer : peers.entrySet()) {
      if (n++ >= maxPeers) break;
      fetches.add(fetch(peer.getKey(), peer.getValue()));
    }
    int leftOut = Math.max(0, peers.size() - maxPeers);
    String generatedAt = self.clock().instant().toString();
    return CompletableFuture.allOf(fetches.toArray(CompletableFuture[]::new)).handle((ignored, error) -> {
      StringBuilder out = new StringBuilder(1024);
      Json w = new Json(out);
      w.beginObject()
          .name("schema").value(SCHEMA)
          .name("generatedAt").value(generatedAt)
          .name("self").value(self.mesh().serviceName())
          .name("peersLeftOut").value(leftOut)
          .name("processes").beginArray();
      writeOk(w, ownAdmin, own);
      for (CompletableFuture<Process> f : fetches) {
        Process p = f.getNow(null);
        if (p.document != null) {
          writeOk(w, p.admin, p.document);
        } else {
          w.beginObject()
              .name("service").value(p.service)
              .name("admin").value(p.admin)
              .name("status").value("unreachable")
              .name("error").value(p.error)
              .endObject();
        }
      }
      w.endArray().endObject();
      return out.toString();
    });
  }

  /**
   * Admin page to service name: the endpoints of {@code mesh}'s destinations and its own
   * service's registrations that announce an admin port, except {@code ownAdmin}; sorted.
   */
  static Map<String, String> peers(Mesh mesh, ServiceSnapshot own, String ownAdmin) {
    Map<String, String> peers = new TreeMap<>();
    for (Destination d : mesh.destinations()) {
      for (EndpointStatus e : d.endpoints()) add(peers, e.endpoint(), d.service(), ownAdmin);
    }
    if (own != null) {
      for (Endpoint e : own.config().endpoints()) add(peers, e, mesh.serviceName(), ownAdmin);
    }
    return peers;
  }

  private static void add(Map<String, String> peers, Endpoint e, String service, String ownAdmin) {
    String admin = MeshState.adminUrl(e);
    if (admin != null && !admin.equals(ownAdmin)) peers.putIfAbsent(admin, service);
  }

  private CompletableFuture<Process> fetch(String admin, String service) {
    HttpRequest request;
    try {
      request = HttpRequest.newBuilder(URI.create(admin + "/state.json"))
          .timeout(peerTimeout).header("Accept", "application/json").GET().build();
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(new Process(service, admin, null, "bad address: " + e.getMessage()));
    }
    return client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
        .orTimeout(peerTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle((response, error) -> {
          if (error != null) return new Process(service, admin, null, describe(error));
          if (response.statusCode() != 200) {
            return new Process(service, admin, null, "answered HTTP " + response.statusCode());
          }
          if (response.body().length > MAX_PEER_BYTES) {
            return new Process(service, admin, null, "answered more than " + MAX_PEER_BYTES + " bytes");
          }
          try {
            Map<String, Object> doc = map(JsonParser.parse(new String(response.body(), StandardCharsets.UTF_8)));
            Object schema = doc.get("schema");
            if (!MeshState.SCHEMA.equals(schema)) {
              return new Process(service, admin, null,
                  "answered schema " + schema + " (expected: " + MeshState.SCHEMA + ")");
            }
            return new Process(service, admin, doc, null);
          } catch (RuntimeException e) {
            return new Process(service, admin, null, "answered no state.json: " + e.getMessage());
          }
        });
  }

  private String describe(Throwable error) {
    Throwable e = error;
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof TimeoutException || e instanceof HttpTimeoutException) {
      return "timed out after " + peerTimeout.toMillis() + " ms";
    }
    if (e instanceof ConnectException) return "connection refused";
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  /** One process of the map: its summary from its {@code state.json}. */
  private static void writeOk(Json w, String admin, Map<String, Object> doc) {
    w.beginObject()
        .name("service").value(string(map(doc.get("service")).get("name")))
        .name("admin").value(admin)
        .name("status").value("ok")
        .name("destinations").beginArray();
    for (Object o : list(doc.get("destinations"))) {
      Map<String, Object> d = map(o);
      Map<String, Object> golden = map(d.get("golden"));
      w.beginObject().name("service").value(string(d.get("service")));
      number(w.name("requestsPerSecond"), golden.get("requestsPerSecond"));
      number(w.name("successRate"), golden.get("successRate"));
      number(w.name("p99Ms"), golden.get("p99Ms"));
      w.endObject();
    }
    w.endArray().name("callers").beginArray();
    for (Object o : list(map(doc.get("inbound")).get("callers"))) {
      Map<String, Object> c = map(o);
      String service = string(c.get("service"));
      w.beginObject().name("service").value(service != null ? service : string(c.get("identity")));
      number(w.name("requestsPerSecond"), c.get("requestsPerSecond"));
      w.endObject();
    }
    w.endArray().endObject();
  }

  private static void number(Json w, Object value) {
    if (value instanceof Long l) {
      w.value(l.longValue());
    } else if (value instanceof Number n) {
      w.value(n.doubleValue());
    } else {
      w.nullValue();
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return o instanceof Map ? (Map<String, Object>) o : Map.of();
  }

  private static List<?> list(Object o) {
    return o instanceof List<?> l ? l : List.of();
  }

  private static String string(Object o) {
    return o instanceof String s ? s : null;
  }

  /** A peer's answer: its document, or why there is none. */
  private record Process(String service, String admin, Map<String, Object> document, String error) { }
}
