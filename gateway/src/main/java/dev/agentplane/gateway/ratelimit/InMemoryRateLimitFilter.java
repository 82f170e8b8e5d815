package dev.agentplane.gateway.ratelimit;

import dev.agentplane.gateway.edge.GatewayProblems;
import dev.agentplane.gateway.routing.Upstream;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import java.util.List;

/** Rate limits with buckets in memory: decided on the event loop, in microseconds. */
@ServerFilter(Upstream.PROXIED_PATHS)
@Requires(
    property = "agentplane.gateway.rate-limit.store",
    value = "memory",
    defaultValue = "memory")
final class InMemoryRateLimitFilter extends RateLimitFilter {

  InMemoryRateLimitFilter(
      RateLimitSettings settings,
      List<RateLimitTier> tiers,
      InMemoryBuckets buckets,
      GatewayProblems problems) {
    super(settings, tiers, buckets, problems);
  }

  @RequestFilter
  @Nullable
  HttpResponse<?> limit(HttpRequest<?> request) {
    return limitNow(request);
  }

  @ResponseFilter
  void headers(HttpRequest<?> request, MutableHttpResponse<?> response) {
    addHeaders(request, response);
  }
}
