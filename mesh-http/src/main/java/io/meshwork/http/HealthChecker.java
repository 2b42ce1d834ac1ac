package io.meshwork.http;

import io.meshwork.core.Destination;
import io.meshwork.core.EndpointStatus;
import io.meshwork.core.Mesh;
import io.meshwork.core.model.Address;
import io.meshwork.core.model.Protocol;
import io.meshwork.core.model.HealthCheckPolicy;
import io.meshwork.core.model.TlsMode;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP active health checking for one mesh client (one {@link MeshInterceptor}): for every
 * destination the client calls whose policy has {@code healthCheck.enabled} and a {@code path},
 * it sends {@code GET <path>} to each endpoint every {@code interval} and reports to the engine
 * ({@link Destination#reportHealth}): 2xx serving; 404, 405 or 501 (no such health path) serving,
 * as gRPC counts a server without the health service; anything else, and no answer within
 * min(interval, 1 s) (refused, reset, timed out), not serving.
 *
 * <p>Probes are not calls: they never go through the engine (no picks, retries, deadlines, meters
 * or spans), on a client of their own that follows no redirects and does not retry. Over mutual
 * TLS (the client has a {@code MeshTls} and the registry's mode is not disabled) they use the
 * destination's own TLS settings, as mesh calls do ({@link ClientTls#secure(OkHttpClient.Builder, String)}).
 *
 * <p>Threads: one daemon scheduler thread per checker, started with the first checked destination
 * and gone after 10 s without work; probes run on daemon threads of the probe client's own
 * dispatcher, likewise idle-timed. The scheduled work holds the checker weakly: once the mesh
 * client that owns it is garbage-collected, or the mesh is closed, the next round stops it all.
 * A checker that stops (or a destination whose policy no longer asks for checks) reports the
 * endpoints it last saw not serving as serving, so that no endpoint stays out on a report nobody
 * will correct (which readmits one outlier detection ejected: it fails its way out again if it is
 * still failing).
 */
final class HealthChecker {
  private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);
  private static final Duration MAX_PROBE_TIMEOUT = Duration.ofSeconds(1);
  private static final long IDLE_SECONDS = 10;

  private final Probes probes;

  HealthChecker(Mesh mesh, ClientTls tls) {
    this.probes = new Probes(mesh, tls, new WeakReference<>(this));
  }

  /**
   * Called for each mesh call: starts checking {@code destination} if its policy asks for HTTP
   * checks and it is not checked yet. A map lookup when it is.
   */
  void watch(Destination destination) {
    if (destination.snapshot().config().client().healthCheck().httpChecks()) {
      probes.watch(destination.service());
    }
  }

  /** The services checked now (for tests). */
  Set<String> watched() {
    return Set.copyOf(probes.watched.keySet());
  }

  /** The endpoints of {@code service} last reported not serving (for tests). */
  Set<Address> notServing(String service) {
    Set<Address> down = probes.watched.get(service);
    return down == null ? Set.of() : Set.copyOf(down);
  }

  /** Whether the checker stopped for good (for tests). */
  boolean stopped() {
    return probes.stopped;
  }

  /** Runs one round for {@code service} now (for tests that drive it), as the scheduler does. */
  void runRound(String service) {
    probes.round(service, false);
  }

  /** Everything the scheduled work needs, without a strong reference to the checker. */
  private static final class Probes {
    final Mesh mesh;
    final ClientTls tls;
    final WeakReference<HealthChecker> owner;
    /** Checked services, each with the endpoints this checker last reported not serving. */
    final ConcurrentHashMap<String, Set<Address>> watched = new ConcurrentHashMap<>();
    private ScheduledThreadPoolExecutor scheduler; // guarded by this
    private ExecutorService probeThreads; // guarded by this
    private OkHttpClient plain; // guarded by this
    private final ConcurrentHashMap<String, OkHttpClient> secured = new ConcurrentHashMap<>();
    volatile boolean stopped;

    Probes(Mesh mesh, ClientTls tls, WeakReference<HealthChecker> owner) {
      this.mesh = mesh;
      this.tls = tls;
      this.owner = owner;
    }

    void watch(String service) {
      if (watched.containsKey(service) || stopped) return;
      if (watched.putIfAbsent(service, ConcurrentHashMap.newKeySet()) == null) {
        synchronized (this) {
          if (stopped) return;
          if (scheduler == null) start();
          scheduler.execute(() -> round(service, true));
        }
      }
    }

    private void start() {
      scheduler = new ScheduledThreadPoolExecutor(1, daemon("meshwork-health-" + mesh.serviceName()));
      scheduler.setKeepAliveTime(IDLE_SECONDS, TimeUnit.SECONDS);
      scheduler.allowCoreThreadTimeOut(true);
      scheduler.setRemoveOnCancelPolicy(true);
      probeThreads = new ThreadPoolExecutor(0, Integer.MAX_VALUE, IDLE_SECONDS, TimeUnit.SECONDS,
          new SynchronousQueue<>(), daemon("meshwork-health-probe-" + mesh.serviceName()));
      Dispatcher dispatcher = new Dispatcher(probeThreads);
      dispatcher.setMaxRequests(1024);
      dispatcher.setMaxRequestsPerHost(1024);
      plain = new OkHttpClient.Builder()
          .dispatcher(dispatcher)
          .followRedirects(false)
          .followSslRedirects(false)
          .retryOnConnectionFailure(false)
          .build();
    }

    /** Probes every endpoint of {@code service} once; schedules the next round when {@code again}. */
    void round(String service, boolean again) {
      if (stopped) return;
      if (owner.get() == null) {
        stop("its client was garbage-collected", true);
        return;
      }
      Destination d;
      try {
        d = mesh.destination(service);
      } catch (IllegalStateException closed) {
        stop("the mesh is closed", false);
        return;
      }
      HealthCheckPolicy policy = d.snapshot().config().client().healthCheck();
      Set<Address> down = watched.get(service);
      if (down == null) return;
      if (!policy.httpChecks()) {
        watched.remove(service);
        forget(d, down);
        return;
      }
      boolean secure = tls != null && d.snapshot().mesh().tls() != TlsMode.DISABLED;
      Duration timeout = policy.interval().compareTo(MAX_PROBE_TIMEOUT) < 0 ? policy.interval() : MAX_PROBE_TIMEOUT;
      OkHttpClient client = client(service, secure).newBuilder().callTimeout(timeout).build();
      for (EndpointStatus e : d.endpoints()) {
        probe(client, d, e.endpoint().address(), e.endpoint().addressFor(Protocol.HTTP), policy.path(),
            secure ? "https" : "http", down);
      }
      if (again) {
        synchronized (this) {
          if (!stopped) scheduler.schedule(() -> round(service, true), policy.interval().toNanos(), TimeUnit.NANOSECONDS);
        }
      }
    }

    private OkHttpClient client(String service, boolean secure) {
      OkHttpClient base;
      synchronized (this) {
        base = plain;
      }
      if (!secure) return base;
      return secured.computeIfAbsent(service, s -> tls.secure(base.newBuilder(), s).build());
    }

    /** Probes {@code target} (the endpoint's HTTP port) and reports under {@code address}, its identity. */
    private void probe(OkHttpClient client, Destination d, Address address, Address target, String path,
        String scheme, Set<Address> down) {
      HttpUrl url = HttpUrl.parse(scheme + "://" + hostPort(target) + path);
      if (url == null) return;
      Request request = new Request.Builder().url(url).header("User-Agent", "meshwork-health").get().build();
      client.newCall(request).enqueue(new Callback() {
        @Override
        public void onFailure(Call call, IOException e) {
          report(d, address, false, e.toString(), down);
        }

        @Override
        public void onResponse(Call call, Response response) {
          int code;
          try (response) {
            code = response.code();
          }
          report(d, address, servingStatus(code), "HTTP " + code, down);
        }
      });
    }

    private void report(Destination d, Address address, boolean serving, String why, Set<Address> down) {
      if (stopped) return;
      d.reportHealth(address, serving); // first, so that a test seeing the mark sees the engine's too
      boolean changed = serving ? down.remove(address) : down.add(address);
      if (changed) {
        log.debug("{}: {} health check of {} says {} ({})", mesh.serviceName(), d.service(), address,
            serving ? "serving" : "not serving", why);
      }
    }

    private void forget(Destination d, Set<Address> down) {
      for (Address a : down) d.reportHealth(a, true);
      down.clear();
    }

    private void stop(String why, boolean forget) {
      ExecutorService threads;
      OkHttpClient client;
      synchronized (this) {
        if (stopped) return;
        stopped = true;
        if (scheduler != null) scheduler.shutdownNow();
        threads = probeThreads;
        client = plain;
      }
      log.debug("{}: HTTP health checking stopped: {}", mesh.serviceName(), why);
      if (forget) {
        watched.forEach((service, down) -> {
          try {
            forget(mesh.destination(service), down);
          } catch (IllegalStateException closed) {
            // nothing left to correct
          }
        });
      }
      watched.clear();
      if (client != null) client.connectionPool().evictAll();
      secured.values().forEach(c -> c.connectionPool().evictAll());
      if (threads != null) threads.shutdownNow();
    }
  }

  /** 2xx, and the answers of a server without this health path (404, 405, 501), count as serving. */
  static boolean servingStatus(int code) {
    return (code >= 200 && code < 300) || code == 404 || code == 405 || code == 501;
  }

  private static String hostPort(Address a) {
    String host = a.host();
    return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + a.port();
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
