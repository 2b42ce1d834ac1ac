package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Mesh;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.tls.testing.Pki;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Handshake;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates of 5 s, on the real clock, rotate several times on both sides while 4 threads
 * call over HTTP without pause: no call fails, and both sides present at least three different
 * certificates. Nothing is rebuilt: the key managers present the current certificate at each
 * handshake, the server answers requests on connections older than its maximum age (a quarter
 * of the lifetime by default) with {@code Connection: close}, and the client evicts its idle
 * connections when its own certificate changes. Were TLS sessions resumed, each side would keep
 * seeing the first certificate of the other.
 */
class RotationUnderLoadIntegrationTest {
  private static final Duration LIFETIME = Duration.ofSeconds(5);
  private static final int THREADS = 4;
  private static final int CERTIFICATES = 3;

  @TempDir Path dir;

  @Test
  void certificatesOfFiveSecondsRotateUnderLoadWithoutAFailedCall() throws Exception {
    InMemoryRegistry registry = InMemoryRegistry.create();
    registry.setMesh(new MeshSettings(Pki.TRUST_DOMAIN, TlsMode.STRICT));
    Set<BigInteger> serverCertificates = ConcurrentHashMap.newKeySet();
    Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    AtomicInteger calls = new AtomicInteger();
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService callers = Executors.newFixedThreadPool(THREADS);

    try (Pki pki = new Pki(dir.resolve("ca"));
        Mesh serverMesh = Meshes.of("greeter", registry);
        Mesh clientMesh = Meshes.of("frontend", registry);
        Backend greeter = Backend.start(serverMesh, pki.tls("greeter", LIFETIME))) {
      Meshes.putAllowing(registry, "greeter", List.of(greeter), "frontend");
      OkHttpClient client = MeshHttp.configure(clientMesh, pki.tls("frontend", LIFETIME), new OkHttpClient.Builder()
          .addNetworkInterceptor(chain -> {
            Handshake h = chain.connection().handshake();
            if (h != null) serverCertificates.add(((X509Certificate) h.peerCertificates().get(0)).getSerialNumber());
            return chain.proceed(chain.request());
          })).build();
      try {
        for (int t = 0; t < THREADS; t++) {
          callers.execute(() -> {
            while (running.get()) {
              try (Response r = client.newCall(new Request.Builder().url("http://greeter/").build()).execute()) {
                r.body().string();
                if (r.code() != 200) throw new AssertionError("status " + r.code());
                calls.incrementAndGet();
              } catch (Throwable e) {
                failures.add(e);
              }
            }
          });
        }
        // Renewals at two thirds of 5 s: a third certificate is in force after about 7 s.
        await().atMost(Duration.ofSeconds(30)).until(() -> !failures.isEmpty()
            || serverCertificates.size() >= CERTIFICATES && greeter.clientCertificates.size() >= CERTIFICATES);
        running.set(false);
        callers.shutdown();
        assertThat(callers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

        assertThat(failures).as("failed calls (of %d)", calls.get()).isEmpty();
        assertThat(serverCertificates).as("server certificates the client saw").hasSizeGreaterThanOrEqualTo(CERTIFICATES);
        assertThat(greeter.clientCertificates).as("client certificates the server saw").hasSizeGreaterThanOrEqualTo(CERTIFICATES);
        assertThat(calls.get()).isGreaterThan(100);
      } finally {
        running.set(false);
        callers.shutdownNow();
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
      }
    } finally {
      registry.close();
    }
  }
}
