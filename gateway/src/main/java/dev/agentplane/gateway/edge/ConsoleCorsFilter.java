package dev.agentplane.gateway.edge;

import dev.agentplane.kit.problem.ProblemType;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.ServerFilterPhase;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * CORS for the configured console origins only (Fetch standard § CORS protocol). A preflight is
 * answered here, before authentication (browsers send it without credentials); a preflight from any
 * other origin is a 403. Actual requests from an allowed origin get {@code
 * Access-Control-Allow-Origin}; from others, nothing, so the browser withholds the response.
 */
// Request/response filter methods rather than a wrapping doFilter, as the other edge filters: no
// reactive operators on the way of every request, most of which carry no Origin at all.
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
final class ConsoleCorsFilter implements Ordered {

  private final Set<String> origins;
  private final Set<String> methods;
  private final Set<String> headers;
  private final String allowMethods;
  private final String allowHeaders;
  private final String exposeHeaders;
  private final String maxAge;
  private final GatewayProblems problems;

  ConsoleCorsFilter(CorsSettings settings, GatewayProblems problems) {
    this.origins = Set.copyOf(settings.allowedOrigins());
    this.methods = upper(settings.allowedMethods());
    this.headers = lower(settings.allowedHeaders());
    this.allowMethods = String.join(", ", settings.allowedMethods());
    this.allowHeaders = String.join(", ", settings.allowedHeaders());
    this.exposeHeaders = String.join(", ", settings.exposedHeaders());
    this.maxAge = Long.toString(settings.maxAge().toSeconds());
    this.problems = problems;
  }

  /** Answers a preflight here; anything else goes on (null). */
  @RequestFilter
  @Nullable
  MutableHttpResponse<?> answerPreflight(HttpRequest<?> request) {
    String origin = request.getHeaders().get(HttpHeaders.ORIGIN);
    if (origin == null || !isPreflight(request)) {
      return null;
    }
    return preflight(
        request,
        origin,
        origins.contains(origin),
        request.getHeaders().get(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD));
  }

  /** Lets an allowed origin read the answer to its actual request. */
  @ResponseFilter
  void allowOrigin(HttpRequest<?> request, MutableHttpResponse<?> response) {
    String origin = request.getHeaders().get(HttpHeaders.ORIGIN);
    if (origin == null || !origins.contains(origin) || isPreflight(request)) {
      // No origin, another one, or a preflight, answered above with headers of its own.
      return;
    }
    response.getHeaders().set(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    response.getHeaders().add(HttpHeaders.VARY, HttpHeaders.ORIGIN);
    response.getHeaders().set(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS, exposeHeaders);
  }

  private static boolean isPreflight(HttpRequest<?> request) {
    return request.getMethod() == HttpMethod.OPTIONS
        && request.getHeaders().contains(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD);
  }

  private MutableHttpResponse<?> preflight(
      HttpRequest<?> request, String origin, boolean allowed, String requestedMethod) {
    String requestedHeaders =
        request.getHeaders().get(HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS, String.class, "");
    boolean headersAllowed =
        requestedHeaders.isBlank()
            || java.util.Arrays.stream(requestedHeaders.split(","))
                .map(h -> h.trim().toLowerCase(Locale.ROOT))
                .allMatch(h -> h.isEmpty() || headers.contains(h));
    if (!allowed
        || !methods.contains(requestedMethod.toUpperCase(Locale.ROOT))
        || !headersAllowed) {
      return problems
          .response(
              ProblemType.FORBIDDEN,
              "Cross-origin request from " + origin + " is not allowed.",
              request)
          .header(HttpHeaders.VARY, HttpHeaders.ORIGIN);
    }
    return HttpResponse.noContent()
        .header(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, origin)
        .header(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS, allowMethods)
        .header(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, allowHeaders)
        .header(HttpHeaders.ACCESS_CONTROL_MAX_AGE, maxAge)
        .header(HttpHeaders.VARY, HttpHeaders.ORIGIN);
  }

  private static Set<String> upper(List<String> values) {
    return values.stream().map(v -> v.toUpperCase(Locale.ROOT)).collect(Collectors.toSet());
  }

  private static Set<String> lower(List<String> values) {
    return values.stream().map(v -> v.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
  }

  @Override
  public int getOrder() {
    return ServerFilterPhase.FIRST.order();
  }
}
