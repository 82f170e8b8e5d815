package dev.agentplane.gateway.health;

import dev.agentplane.gateway.routing.Upstream;
import dev.agentplane.gateway.routing.UpstreamClients;
import io.micronaut.context.annotation.EachBean;
import io.micronaut.context.exceptions.DisabledBeanException;
import io.micronaut.health.HealthStatus;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.client.ServiceHttpClientConfiguration;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * Health of one upstream ({@code upstream-registry}, ...), from the upstream's own {@code
 * /health/readiness}: the gateway is only as healthy as what it routes to, and the details name the
 * upstream that is not. One per configured upstream service client.
 */
@EachBean(ServiceHttpClientConfiguration.class)
final class UpstreamHealthIndicator implements HealthIndicator {

  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

  private final UpstreamClients.UpstreamClient target;
  private final String name;

  UpstreamHealthIndicator(ServiceHttpClientConfiguration service, UpstreamClients clients) {
    Upstream upstream =
        Upstream.byId(service.getServiceId())
            .orElseThrow(
                () -> new DisabledBeanException("Not an upstream: " + service.getServiceId()));
    this.target = clients.get(upstream);
    this.name = "upstream-" + upstream.id();
  }

  @Override
  public Publisher<HealthResult> getResult() {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("url", target.baseUri().toString());
    return Mono.from(
            target
                .client()
                .exchange(
                    HttpRequest.GET(target.baseUri().resolve("/health/readiness")), String.class))
        .timeout(PROBE_TIMEOUT)
        .map(
            response -> {
              details.put("status", response.code());
              return HealthResult.builder(name, HealthStatus.UP).details(details).build();
            })
        .onErrorResume(
            failure -> {
              details.put("error", describe(failure));
              return Mono.just(
                  HealthResult.builder(name, HealthStatus.DOWN).details(details).build());
            });
  }

  private static String describe(Throwable failure) {
    if (failure instanceof HttpClientResponseException answered) {
      return "answered " + answered.getStatus().getCode();
    }
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName()
        + (root.getMessage() == null ? "" : ": " + root.getMessage());
  }
}
