package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshwork.core.Mesh;
import io.meshwork.core.MeshContext;
import io.meshwork.core.inbound.InboundGuard;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.TlsMode;
import io.meshwork.core.registry.InMemoryRegistry;
import io.meshwork.tls.testing.Pki;
import io.opentelemetry.context.Context;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The servlet filter's identity, strict-mode and access-policy rules, with fakes of the servlet
 * API standing in for a container that verified the client certificate (no container runs
 * here): the caller comes from {@code jakarta.servlet.request.X509Certificate} and nothing else.
 */
class MeshServletFilterTest {
  private static final String FRONTEND = "spiffe://example.org/service/frontend";

  @TempDir Path dir;
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private Pki pki;
  private Mesh mesh;
  private MeshServletFilter filter;
  private final AtomicReference<String> chainCaller = new AtomicReference<>();
  private final FilterChain chain = (req, res) -> {
    String caller = MeshContext.callerIdentity(Context.current());
    chainCaller.set(caller == null ? "" : caller);
    ((HttpServletResponse) res).setStatus(200);
  };

  @BeforeEach
  void setUp() {
    registry.setMesh(new MeshSettings(Pki.TRUST_DOMAIN, TlsMode.PERMISSIVE));
    pki = new Pki(dir.resolve("ca"));
    mesh = Meshes.of("greeter", registry);
    Meshes.putPorts(registry, "greeter", List.of(8080), "*");
    filter = new MeshServletFilter(mesh);
  }

  @AfterEach
  void tearDown() {
    filter.destroy();
    mesh.close();
    registry.close();
    pki.close();
  }

  @Test
  void theCallerIsTheSpiffeIdOfTheCertificateTheContainerVerified() throws Exception {
    FakeResponse res = filter(request(certificate("frontend"), Map.of()));

    assertThat(res.status).isEqualTo(200);
    assertThat(chainCaller.get()).isEqualTo(FRONTEND);
    assertThat(mesh.meterRegistry().get(InboundGuard.REQUESTS).tag("caller", "frontend").timer().count()).isEqualTo(1);
  }

  @Test
  void aCallerThePolicyDoesNotAllowGets403WithTheReasonAndTheChainDoesNotRun() throws Exception {
    Meshes.putPorts(registry, "greeter", List.of(8080), "checkout");

    FakeResponse res = filter(request(certificate("frontend"), Map.of()));

    assertThat(res.status).isEqualTo(403);
    assertThat(res.body()).isEqualTo("greeter: caller " + FRONTEND + " is not allowed (allow: checkout)\n");
    assertThat(chainCaller.get()).as("the chain ran").isNull();
  }

  @Test
  void inStrictModeARequestWithoutAClientCertificateGets503() throws Exception {
    registry.setMesh(new MeshSettings(Pki.TRUST_DOMAIN, TlsMode.STRICT));

    FakeResponse res = filter(request(null, Map.of()));

    assertThat(res.status).isEqualTo(503);
    assertThat(res.body()).isEqualTo("greeter: this service requires mutual TLS (mesh TLS mode is strict): every"
        + " call needs a verified client identity, but this call came over plaintext (a client without a MeshTls, a"
        + " server without a MeshTls, or a connection opened before the mode changed)\n");
    assertThat(chainCaller.get()).isNull();
  }

  @Test
  void aSpoofedIdentityHeaderChangesNothing() throws Exception {
    Map<String, String> spoofed = Map.of("x-forwarded-client-cert", "URI=spiffe://example.org/service/admin",
        "x-spiffe-id", "spiffe://example.org/service/admin");
    Meshes.putPorts(registry, "greeter", List.of(8080), "admin");

    assertThat(filter(request(null, spoofed)).status).as("without a certificate").isEqualTo(403);
    assertThat(filter(request(certificate("frontend"), spoofed)).status).as("with frontend's").isEqualTo(403);
    Meshes.putPorts(registry, "greeter", List.of(8080), "*");
    assertThat(filter(request(certificate("frontend"), spoofed)).status).isEqualTo(200);
    assertThat(chainCaller.get()).isEqualTo(FRONTEND);
  }

  @Test
  void aChainThatFailsWithTheContainersClientAbortIsRecordedAsCancelled() throws Exception {
    FilterChain hungUp = (req, res) -> {
      ((HttpServletResponse) res).setStatus(200);
      throw new ClientAbortException(new IOException("Broken pipe"));
    };
    FilterChain failing = (req, res) -> {
      throw new IOException("Broken pipe"); // the application's own connection, say
    };

    assertThatThrownBy(
        () -> filter.doFilter(request(null, Map.of()), new FakeResponse().proxy(), hungUp))
        .isInstanceOf(ClientAbortException.class);
    assertThatThrownBy(
        () -> filter.doFilter(request(null, Map.of()), new FakeResponse().proxy(), failing))
        .isInstanceOf(IOException.class);

    assertThat(mesh.meterRegistry().get(InboundGuard.REQUESTS).tag("outcome", "cancelled").tag("status", "499")
        .timer().count()).isEqualTo(1);
    assertThat(mesh.meterRegistry().get(InboundGuard.REQUESTS).tag("outcome", "failure").tag("status", "500")
        .timer().count()).isEqualTo(1);
  }

  /** Named as Tomcat's: the filter knows containers' client-abort exceptions by their names. */
  private static final class ClientAbortException extends IOException {
    ClientAbortException(Throwable cause) {
      super(cause);
    }
  }

  // ---- fakes of the servlet API -------------------------------------------------------------

  private FakeResponse filter(HttpServletRequest request) throws Exception {
    FakeResponse res = new FakeResponse();
    filter.doFilter(request, res.proxy(), chain);
    return res;
  }

  private X509Certificate[] certificate(String service) {
    return pki.ca().issue(Pki.id(service), Duration.ofHours(1)).chain().toArray(new X509Certificate[0]);
  }

  /** A GET of / with {@code headers}, over TLS with {@code chain} as the verified client certificate when there is one. */
  private static HttpServletRequest request(X509Certificate[] chain, Map<String, String> headers) {
    Map<String, String> lower = new HashMap<>();
    headers.forEach((k, v) -> lower.put(k.toLowerCase(java.util.Locale.ROOT), v));
    return (HttpServletRequest) Proxy.newProxyInstance(MeshServletFilterTest.class.getClassLoader(),
        new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> switch (method.getName()) {
          case "getMethod" -> "GET";
          case "getHeader" -> lower.get(((String) args[0]).toLowerCase(java.util.Locale.ROOT));
          case "getHeaders" -> {
            String v = lower.get(((String) args[0]).toLowerCase(java.util.Locale.ROOT));
            yield Collections.enumeration(v == null ? List.of() : List.of(v));
          }
          case "getHeaderNames" -> Collections.enumeration(lower.keySet());
          case "getScheme" -> chain == null ? "http" : "https";
          case "isSecure" -> chain != null;
          case "getRequestURI" -> "/";
          case "getContextPath" -> "";
          case "getRemoteAddr" -> "127.0.0.1";
          case "getRemotePort" -> 50000;
          case "getAttribute" -> MeshServletFilter.CERTIFICATE_ATTRIBUTE.equals(args[0]) ? chain : null;
          case "hashCode" -> System.identityHashCode(proxy);
          case "equals" -> proxy == args[0];
          case "toString" -> "request";
          default -> null; // getQueryString, getHttpServletMapping, ...
        });
  }

  private static final class FakeResponse {
    int status = 200;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    String body() {
      return out.toString(StandardCharsets.UTF_8);
    }

    HttpServletResponse proxy() {
      ServletOutputStream stream = new ServletOutputStream() {
        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setWriteListener(WriteListener listener) {}

        @Override
        public void write(int b) {
          out.write(b);
        }
      };
      return (HttpServletResponse) Proxy.newProxyInstance(MeshServletFilterTest.class.getClassLoader(),
          new Class<?>[] {HttpServletResponse.class}, (proxy, method, args) -> switch (method.getName()) {
            case "setStatus" -> {
              status = (Integer) args[0];
              yield null;
            }
            case "getStatus" -> status;
            case "getOutputStream" -> stream;
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            case "toString" -> "response";
            default -> null; // setContentType, setContentLength
          });
    }
  }
}
