package io.meshwork.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates of 5 s rotate several times while clients keep opening new connections: no
 * handshake fails, and neither the server's nor the client's context is rebuilt. Time is a fake
 * clock stepped by the test; renewal is {@code renewIfDue}, called by the test after each step.
 */
class RotationUnderLoadTest {
  private static final int CLIENT_THREADS = 4;
  private static final int STEPS = 16; // one fake second each: rotations at 4, 8, 12 and 16 s
  private static final int CONNECTIONS_PER_STEP = 8;

  @TempDir Path dir;

  @Test
  void shortLivedCertificatesRotateUnderLoadWithoutAFailedHandshake() throws Exception {
    TestPki pki = new TestPki(dir.resolve("ca"));
    try (RotatingIdentity greeter = pki.identity("greeter", Duration.ofSeconds(5));
        RotatingIdentity frontend = pki.identity("frontend", Duration.ofSeconds(5))) {
      SSLContext serverContext = pki.tls(greeter).serverContext();   // built once
      SSLContext clientContext = pki.tls(frontend).clientContext("greeter"); // built once
      Set<BigInteger> serverCertificatesSeen = ConcurrentHashMap.newKeySet();
      List<Throwable> clientFailures = new CopyOnWriteArrayList<>();
      AtomicInteger connections = new AtomicInteger();
      AtomicBoolean running = new AtomicBoolean(true);
      ExecutorService clients = Executors.newFixedThreadPool(CLIENT_THREADS);

      try (TlsServer server = new TlsServer(serverContext)) {
        for (int t = 0; t < CLIENT_THREADS; t++) {
          int thread = t;
          clients.execute(() -> {
            int n = 0;
            while (running.get()) {
              try {
                TlsServer.Exchange ex = TlsServer.call(clientContext, server.address(), "call " + thread + "-" + n++);
                assertThat(ex.answer()).startsWith("spiffe://example.org/service/frontend call ");
                assertThat(ex.serverIdentity()).isEqualTo(TestPki.id("greeter"));
                serverCertificatesSeen.add(ex.serverLeaf().getSerialNumber());
                connections.incrementAndGet();
              } catch (Throwable e) {
                clientFailures.add(e);
              }
            }
          });
        }

        int renewals = 0;
        for (int step = 0; step < STEPS; step++) {
          int before = connections.get();
          await().atMost(Duration.ofSeconds(20))
              .until(() -> connections.get() >= before + CONNECTIONS_PER_STEP || !clientFailures.isEmpty());
          pki.clock.advance(Duration.ofSeconds(1));
          if (greeter.renewIfDue()) renewals++;
          if (frontend.renewIfDue()) renewals++;
        }
        int total = connections.get();
        await().atMost(Duration.ofSeconds(20))
            .until(() -> connections.get() >= total + CONNECTIONS_PER_STEP || !clientFailures.isEmpty());
        running.set(false);
        clients.shutdown();
        assertThat(clients.awaitTermination(20, TimeUnit.SECONDS)).isTrue();

        assertThat(clientFailures).isEmpty();
        assertThat(server.failures).isEmpty();
        assertThat(renewals).isEqualTo(8); // each side at 4, 8, 12 and 16 s
        assertThat(serverCertificatesSeen).as("every server certificate was presented").hasSize(5);
        assertThat(Set.copyOf(server.clientSerials)).as("every client certificate was presented").hasSize(5);
        assertThat(server.served.get()).isEqualTo(connections.get());
      } finally {
        running.set(false);
        clients.shutdownNow();
      }
    }
  }
}
