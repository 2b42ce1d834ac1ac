package io.meshwork.admin;

import io.meshwork.admin.AdminHttpServer.Response;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code /metrics}: the Prometheus text exposition of the mesh's meters.
 *
 * <p>Micrometer's Prometheus registry is an optional dependency, so this class never names it;
 * {@link Prom} does and is loaded only when the registry's class is present. Which registry is
 * scraped: the mesh's, when it is a Prometheus registry; when it is a composite (Micrometer's
 * global registry, the mesh's default), its Prometheus child, or a new one added to it (the
 * composite copies its existing meters into it) and removed again on close; otherwise none,
 * and {@code /metrics} answers 501 saying how to get one.
 */
final class PrometheusEndpoint implements AutoCloseable {
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  static final String REGISTRY_CLASS = "io.micrometer.prometheusmetrics.PrometheusMeterRegistry";

  private final Supplier<Response> scrape;
  private final Runnable close;

  private PrometheusEndpoint(Supplier<Response> scrape, Runnable close) {
    this.scrape = scrape;
    this.close = close;
  }

  static PrometheusEndpoint of(MeterRegistry registry) {
    return of(registry, Certificates.present(REGISTRY_CLASS));
  }

  static PrometheusEndpoint of(MeterRegistry registry, boolean prometheusPresent) {
    if (!prometheusPresent) {
      return unavailable("/metrics needs micrometer-registry-prometheus on the class path"
          + " (io.micrometer:micrometer-registry-prometheus, the version of your Micrometer);"
          + " it is not there, so there is nothing to scrape");
    }
    PrometheusEndpoint p = Prom.of(registry);
    if (p != null) {
      return p;
    }
    return unavailable("/metrics scrapes a Prometheus registry, and the mesh's meter registry is a "
        + registry.getClass().getName() + ". Build the mesh with"
        + " Mesh.builder().meterRegistry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)),"
        + " or with a CompositeMeterRegistry (such as Micrometer's global registry, the default),"
        + " to which the admin server adds one");
  }

  private static PrometheusEndpoint unavailable(String message) {
    Response r = Response.text(501, message);
    return new PrometheusEndpoint(() -> r, () -> {});
  }

  Response scrape() {
    return scrape.get();
  }

  @Override
  public void close() {
    close.run();
  }

  /** Loaded only when micrometer-registry-prometheus is on the class path. */
  private static final class Prom {
    static PrometheusEndpoint of(MeterRegistry registry) {
      if (registry instanceof io.micrometer.prometheusmetrics.PrometheusMeterRegistry p) {
        return endpoint(p, () -> {});
      }
      if (registry instanceof CompositeMeterRegistry composite) {
        for (MeterRegistry child : composite.getRegistries()) {
          if (child instanceof io.micrometer.prometheusmetrics.PrometheusMeterRegistry p) {
            return endpoint(p, () -> {});
          }
        }
        var added = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
            io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        composite.add(added);
        return endpoint(added, () -> {
          composite.remove(added);
          added.close();
        });
      }
      return null;
    }

    private static PrometheusEndpoint endpoint(io.micrometer.prometheusmetrics.PrometheusMeterRegistry p,
        Runnable close) {
      return new PrometheusEndpoint(() -> new Response(200, CONTENT_TYPE,
          p.scrape().getBytes(StandardCharsets.UTF_8), List.of("Cache-Control", "no-store")), close);
    }
  }
}
