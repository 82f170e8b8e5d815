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
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.List;

/**
 * Rate limits with buckets in PostgreSQL, shared by every gateway instance: decided on a blocking
 * (virtual) thread, never the event loop, since each decision is a database round trip.
 */
@ServerFilter(Upstream.PROXIED_PATHS)
@Requires(property = "agentplane.gateway.rate-limit.store", value = "postgres")
final class SharedRateLimitFilter extends RateLimitFilter {

  SharedRateLimitFilter(
      RateLimitSettings settings,
      List<RateLimitTier> tiers,
      PostgresBuckets buckets,
      GatewayProblems problems) {
    super(settings, tiers, buckets, problems);
  }

  @RequestFilter
  @ExecuteOn(TaskExecutors.BLOCKING)
  @Nullable
  HttpResponse<?> limit(HttpRequest<?> request) {
    return limitNow(request);
  }

  @ResponseFilter
  void headers(HttpRequest<?> request, MutableHttpResponse<?> response) {
    addHeaders(request, response);
  }
}
