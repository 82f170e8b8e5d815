package dev.agentplane.gateway.edge;

import dev.agentplane.gateway.routing.SignedInboundRule;
import dev.agentplane.kit.correlation.Correlation;
import dev.agentplane.kit.security.TenantPrincipal;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.ServerFilterPhase;
import io.micronaut.security.authentication.Authentication;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Times every request to its response headers and records it twice: the Prometheus timer {@code
 * agentplane_gateway_requests_seconds{route,status,tenant}} and one access-log line (logger {@code
 * agentplane.gateway.access}) with request id, tenant, subject, route, status, upstream and total
 * latency. For a stream (SSE) the time is to the first byte, not to the end of the stream.
 */
// Request/response filter methods rather than a wrapping doFilter: no reactive operators per
// request (they showed up in profiles as context-propagation overhead).
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
final class TelemetryFilter implements Ordered {

  private static final Logger ACCESS = LoggerFactory.getLogger("agentplane.gateway.access");
  private static final String STARTED = "agentplane.gateway.startedNanos";

  private record SeriesKey(String route, String status, String tenant) {}

  private final MeterRegistry meters;
  private final TelemetrySettings settings;
  private final Set<String> dynamicTenants = ConcurrentHashMap.newKeySet();
  private final Map<SeriesKey, Timer> timers = new ConcurrentHashMap<>();

  TelemetryFilter(MeterRegistry meters, TelemetrySettings settings) {
    this.meters = meters;
    this.settings = settings;
  }

  @RequestFilter
  void start(HttpRequest<?> request) {
    request.setAttribute(STARTED, System.nanoTime());
  }

  @ResponseFilter
  void record(HttpRequest<?> request, MutableHttpResponse<?> response) {
    long started = request.getAttribute(STARTED, Long.class).orElse(System.nanoTime());
    record(request, response.code(), System.nanoTime() - started);
  }

  private void record(HttpRequest<?> request, int status, long totalNanos) {
    String route = RequestTiming.route(request);
    Authentication authentication = request.getUserPrincipal(Authentication.class).orElse(null);
    Object tenantClaim =
        authentication == null
            ? null
            : authentication.getAttributes().get(TenantPrincipal.TENANT_CLAIM);
    String tenant = tenantClaim == null ? null : tenantClaim.toString();
    timers
        .computeIfAbsent(
            new SeriesKey(route, (status / 100) + "xx", tenantLabel(tenant)),
            key ->
                Timer.builder("agentplane.gateway.requests")
                    .description("Requests through the gateway, to the response headers")
                    .tag("route", key.route())
                    .tag("status", key.status())
                    .tag("tenant", key.tenant())
                    .register(meters))
        .record(totalNanos, TimeUnit.NANOSECONDS);
    if (settings.accessLog() && ACCESS.isInfoEnabled()) {
      long upstreamNanos = RequestTiming.upstreamNanos(request);
      ACCESS.info(
          "request_id={} tenant={} subject={} method={} path={} route={} status={} upstream_ms={}"
              + " total_ms={}",
          Correlation.currentRequestId(request),
          tenant == null ? "-" : tenant,
          authentication == null ? "-" : authentication.getName(),
          request.getMethodName(),
          SignedInboundRule.loggablePath(request.getPath()),
          route,
          status,
          upstreamNanos < 0 ? "-" : millis(upstreamNanos),
          millis(totalNanos));
    }
  }

  private String tenantLabel(String tenant) {
    if (tenant == null) {
      return "anonymous";
    }
    if (settings.namedTenants().contains(tenant) || dynamicTenants.contains(tenant)) {
      return tenant;
    }
    // Racy by a few entries at most under contention; the bound only needs to be roughly kept.
    if (dynamicTenants.size() < settings.maxDynamicTenants() && dynamicTenants.add(tenant)) {
      return tenant;
    }
    return "other";
  }

  /** Nanoseconds as milliseconds with two decimals ({@code 1.20}), without a format parser. */
  static String millis(long nanos) {
    long hundredths = (nanos + 5_000) / 10_000;
    long fraction = hundredths % 100;
    return (hundredths / 100) + (fraction < 10 ? ".0" : ".") + fraction;
  }

  @Override
  public int getOrder() {
    return ServerFilterPhase.METRICS.order();
  }
}
