package io.meshwork.spring.boot.it.mtls;

import io.meshwork.core.MeshContext;
import io.opentelemetry.context.Context;
import jakarta.servlet.http.HttpServletRequest;
import java.security.cert.X509Certificate;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** A greeter on the {@code meshwork} SSL bundle; says who called it. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(MtlsApp.WhoAmI.class)
public class MtlsApp {

  @RestController
  static class WhoAmI {
    /** The caller identity the servlet filter put in the context, and the container's certificate attribute. */
    @GetMapping("/whoami")
    String whoami(HttpServletRequest request) {
      X509Certificate[] chain = (X509Certificate[]) request.getAttribute("jakarta.servlet.request.X509Certificate");
      return "caller=" + MeshContext.callerIdentity(Context.current())
          + "; certificates=" + (chain == null ? 0 : chain.length)
          + "; server=" + request.getServletContext().getServerInfo();
    }
  }
}
