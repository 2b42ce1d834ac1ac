package io.meshwork.http;

import io.meshwork.core.Mesh;
import io.meshwork.core.inbound.InboundCall;
import io.meshwork.core.inbound.InboundGuard;
import io.meshwork.core.inbound.InboundRequest;
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
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;

/**
 * The mesh's inbound guard as a Jakarta Servlet filter: the caller's deadline and trace context
 * become the OpenTelemetry context the rest of the chain runs in, and a request whose deadline
 * has already passed is answered 504 with the reason before the chain runs. Register it first in
 * the chain.
 *
 * <p>Limits: for asynchronous requests the status recorded is the one set when the chain returns.
 */
public final class MeshServletFilter implements Filter {
  private final InboundGuard guard;

  public MeshServletFilter(Mesh mesh) {
    this(InboundGuard.create(Objects.requireNonNull(mesh, "mesh")));
  }

  public MeshServletFilter(InboundGuard guard) {
    this.guard = Objects.requireNonNull(guard, "guard");
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
    try (InboundCall in = guard.begin(new ServletRequestView(req))) {
      if (in.refused()) {
        in.status(in.refusalStatus());
        res.setStatus(in.refusalStatus());
        res.setContentType("text/plain; charset=utf-8");
        byte[] body = (in.refusal() + "\n").getBytes(StandardCharsets.UTF_8);
        res.setContentLength(body.length);
        res.getOutputStream().write(body);
        return;
      }
      try (Scope ignored = in.context().makeCurrent()) {
        chain.doFilter(request, response);
        in.status(res.getStatus());
      } catch (IOException | ServletException | RuntimeException e) {
        in.status(500);
        in.failed(e);
        throw e;
      }
    }
  }

  private static final class ServletRequestView implements InboundRequest {
    private final HttpServletRequest request;

    ServletRequestView(HttpServletRequest request) {
      this.request = request;
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
