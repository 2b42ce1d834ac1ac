package io.meshwork.http;

import io.meshwork.core.Mesh;
import io.meshwork.core.MeshContext;
import io.meshwork.core.inbound.InboundCall;
import io.meshwork.core.inbound.InboundGuard;
import io.meshwork.core.inbound.InboundRequest;
import io.meshwork.core.inbound.Refusal;
import io.meshwork.tls.MeshTls;
import io.meshwork.tls.SpiffeId;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;

/**
 * The mesh's inbound guard as a Jakarta Servlet filter: the caller's deadline, trace context and
 * verified identity become the OpenTelemetry context the rest of the chain runs in, and a request
 * the guard refuses (for one whose deadline has already passed: 504) is answered with the reason
 * before the chain runs. Register it first in
 * the chain.
 *
 * <p><b>Mutual TLS</b> is the container's: give its TLS connector mesh-tls's key and trust
 * managers ({@code tls.serverContext()} for strict mode, {@code tls.serverContext(ClientAuth.OPTIONAL,
 * ...)} for permissive; e.g. Jetty's {@code SslContextFactory.Server.setSslContext}), so that the
 * client certificates it accepts are verified against the mesh's trust bundle. The filter then
 * does what {@link MeshHttpServer} does, before the chain runs:
 *
 * <ul>
 *   <li>the caller's identity is the SPIFFE ID of the client certificate the container verified
 *       ({@code jakarta.servlet.request.X509Certificate}, its first element, on a secure request)
 *       and nothing else: a header claiming an identity is never read. The guard puts it into
 *       the chain's context ({@link MeshContext#callerIdentity}) and tags {@code
 *       mesh.server.requests} with it;
 *   <li>the guard's inbound rule ({@link InboundGuard}) decides, and the filter answers its
 *       refusals as {@link MeshHttpServer} does: identity required (strict mode, no client
 *       certificate: plaintext or TLS without one) 503, access denied ({@code server.allow}) 403,
 *       deadline passed 504, the reason in the body; each recorded on {@code
 *       mesh.server.requests} as outcome {@code refused} with its kind as {@code error.type}.
 * </ul>
 *
 * The filter trusts the container's verification: behind a container that accepts certificates
 * of other CAs, the identity is only what the certificate claims. Its guard watches the service
 * in the registry until {@link #destroy()}, which closes it.
 *
 * <p>A request whose chain fails with the container's sign that the client went away (Tomcat's
 * {@code ClientAbortException}, Jetty's {@code EofException}) is recorded as cancelled ({@link
 * InboundCall#cancelled()}), not as a 500.
 *
 * <p>Limits: for asynchronous requests the status recorded is the one set when the chain
 * returns. Tested with fakes of the servlet API, not in a container.
 */
public final class MeshServletFilter implements Filter {
  /** The request attribute where servlet containers put a verified client certificate chain. */
  public static final String CERTIFICATE_ATTRIBUTE = "jakarta.servlet.request.X509Certificate";

  private final InboundGuard guard;

  public MeshServletFilter(Mesh mesh) {
    this(mesh, InboundGuard.create(Objects.requireNonNull(mesh, "mesh")));
  }

  /**
   * With a guard of its own, e.g. {@code InboundGuard.create(mesh, true)} for percentile
   * histograms; the filter closes it in {@link #destroy()}.
   */
  public MeshServletFilter(Mesh mesh, InboundGuard guard) {
    Objects.requireNonNull(mesh, "mesh");
    this.guard = Objects.requireNonNull(guard, "guard");
  }

  /** Closes the guard: it stops watching the service in the registry. */
  @Override
  public void destroy() {
    guard.close();
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (!(request instanceof HttpServletRequest) || !(response instanceof HttpServletResponse)) {
      chain.doFilter(request, response);
      return;
    }
    HttpServletRequest req = (HttpServletRequest) request;
    HttpServletResponse res = (HttpServletResponse) response;
    // The caller's identity comes from the certificate the container verified, never from a header.
    X509Certificate leaf = leaf(req);
    String caller = MeshTls.identityOf(leaf).map(SpiffeId::toString).orElse(null);
    try (InboundCall in = guard.begin(new ServletRequestView(req, caller), Context.current())) {
      Refusal refusal = in.refusal();
      if (refusal != null) {
        int status = InboundSecurity.status(refusal.kind());
        in.status(status);
        refuse(res, status, refusal.message());
        return;
      }
      try (Scope ignored = in.context().makeCurrent()) {
        chain.doFilter(request, response);
        in.status(res.getStatus());
      } catch (IOException | ServletException | RuntimeException e) {
        if (ClientAborts.containerAbort(e)) {
          // The container says the client went away while the response was written.
          in.status(res.getStatus());
          in.cancelled();
        } else {
          in.status(500);
          in.failed(e);
        }
        throw e;
      }
    }
  }

  private static void refuse(HttpServletResponse res, int status, String reason) throws IOException {
    res.setStatus(status);
    res.setContentType("text/plain; charset=utf-8");
    byte[] body = (reason + "\n").getBytes(StandardCharsets.UTF_8);
    res.setContentLength(body.length);
    res.getOutputStream().write(body);
  }

  private static X509Certificate leaf(HttpServletRequest req) {
    Object chain = req.getAttribute(CERTIFICATE_ATTRIBUTE);
    if (chain instanceof X509Certificate[] certs && certs.length > 0) return certs[0];
    return null;
  }

  private static final class ServletRequestView implements InboundRequest {
    private final HttpServletRequest request;
    private final String peerIdentity;

    ServletRequestView(HttpServletRequest request, String peerIdentity) {
      this.request = request;
      this.peerIdentity = peerIdentity;
    }

    @Override
    public boolean tls() {
      return request.isSecure();
    }

    @Override
    public String peerIdentity() {
      return peerIdentity;
    }

    @Override
    public String method() {
      return request.getMethod();
    }

    @Override
    public String header(String lowerCaseName) {
      return request.getHeader(lowerCaseName);
    }

    @Override
    public List<String> headers(String lowerCaseName) {
      Enumeration<String> values = request.getHeaders(lowerCaseName);
      return values == null ? List.of() : Collections.list(values);
    }

    @Override
    public Iterable<String> headerNames() {
      return Collections.list(request.getHeaderNames());
    }

    @Override
    public String scheme() {
      return request.getScheme();
    }

    @Override
    public String path() {
      return request.getRequestURI();
    }

    @Override
    public String query() {
      return request.getQueryString();
    }

    /** The context path and the servlet mapping's pattern ({@code /shop/orders/*}), when the container says. */
    @Override
    public String route() {
      HttpServletMapping mapping;
      try {
        mapping = request.getHttpServletMapping();
      } catch (RuntimeException e) { // containers that do not implement it
        return null;
      }
      if (mapping == null || mapping.getPattern() == null || mapping.getPattern().isEmpty()) return null;
      return request.getContextPath() + mapping.getPattern();
    }

    @Override
    public InetSocketAddress remoteAddress() {
      String address = request.getRemoteAddr();
      return address == null ? null : InetSocketAddress.createUnresolved(address, request.getRemotePort());
    }
  }
}
