package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshwork.core.Mesh;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.testing.TrustRotation;
import java.io.IOException;
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
 * The mesh moves to a new certificate authority while 4 threads call over strict mTLS without
 * pause: trust the new CA beside the old one, issue from the new one, drop the old one, each step
 * put into force on both sides at once with {@code rotateNow()}. No call fails; afterwards the
 * client sees the server's certificate from the new CA, and a client still holding a certificate
 * of the old CA is refused.
 */
class TrustBundleRotationIntegrationTest {
  private static final int THREADS = 4;

  @TempDir Path dir;

  @Test
  void theMeshMovesToANewCaUnderLoadWithoutAFailedCall() throws Exception {
    InMemoryRegistry registry = InMemoryRegistry.create();
    registry.setMesh(new MeshSettings(io.meshwork.tls.testing.Pki.TRUST_DOMAIN, TlsMode.STRICT));
    Set<String> serverIssuers = ConcurrentHashMap.newKeySet();
    Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    AtomicInteger calls = new AtomicInteger();
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService callers = Executors.newFixedThreadPool(THREADS);

    try (TrustRotation rotation = new TrustRotation(dir);
        Mesh serverMesh = Meshes.of("greeter", registry);
        Mesh clientMesh = Meshes.of("frontend", registry);
        Backend greeter = Backend.start(serverMesh, rotation.tls("greeter"))) {
      Meshes.putAllowing(registry, "greeter", List.of(greeter), "frontend");
      OkHttpClient client = MeshHttp.configure(clientMesh, rotation.tls("frontend"), new OkHttpClient.Builder()
          .addNetworkInterceptor(chain -> {
            Handshake h = chain.connection().handshake();
            if (h != null) {
              serverIssuers.add(((X509Certificate) h.peerCertificates().get(0)).getIssuerX500Principal().getName());
            }
            return chain.proceed(chain.request());
          })).build();
      String oldIssuer = rotation.oldCa().certificate().getSubjectX500Principal().getName();
      String newIssuer = rotation.newCa().certificate().getSubjectX500Principal().getName();
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
        step(calls, failures, () -> {});
        step(calls, failures, rotation::trustBoth);
        step(calls, failures, () -> {
          rotation.issueFromNew();
          client.connectionPool().evictAll(); // new handshakes, so the new certificates are seen
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> !failures.isEmpty() || serverIssuers.contains(newIssuer));
        step(calls, failures, () -> {
          rotation.dropOld();
          client.connectionPool().evictAll();
        });
        running.set(false);
        callers.shutdown();
        assertThat(callers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

        assertThat(failures).as("failed calls (of %d)", calls.get()).isEmpty();
        assertThat(serverIssuers).as("CAs of the server certificates the client saw").contains(oldIssuer, newIssuer);
      } finally {
        running.set(false);
        callers.shutdownNow();
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
      }

      // A client that still holds a certificate of the old CA (and trusts both) is refused now.
      MeshTls stale = MeshTls.create(io.meshwork.tls.RotatingIdentity.builder(
          (id, lifetime) -> {
            io.meshwork.tls.WorkloadCertificate c = rotation.oldCa().issue(id, lifetime);
            return io.meshwork.tls.WorkloadCertificate.of(c.privateKey(), c.chain(),
                List.of(rotation.oldCa().certificate(), rotation.newCa().certificate()));
          }, io.meshwork.tls.testing.Pki.id("frontend")).manualRenewal().build());
      OkHttpClient staleClient = MeshHttp.client(clientMesh, stale);
      try {
        assertThatThrownBy(() -> staleClient.newCall(new Request.Builder().url("http://greeter/").build()).execute())
            .isInstanceOf(IOException.class);
      } finally {
        staleClient.dispatcher().executorService().shutdown();
        stale.identity().close();
      }
    } finally {
      registry.close();
    }
  }

  /** Runs {@code change}, then waits until 100 more calls have succeeded (or one failed). */
  private static void step(AtomicInteger calls, Queue<Throwable> failures, Runnable change) {
    change.run();
    int target = calls.get() + 100;
    await().atMost(Duration.ofSeconds(20)).until(() -> !failures.isEmpty() || calls.get() >= target);
  }
}
