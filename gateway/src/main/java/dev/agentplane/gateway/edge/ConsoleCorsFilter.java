package dev.agentplane.gateway.edge;

import dev.agentplane.kit.problem.ProblemType;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Filter;
import io.micronaut.http.filter.HttpServerFilter;
import io.micronaut.http.filter.ServerFilterChain;
import io.micronaut.http.filter.ServerFilterPhase;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * CORS for the configured console origins only (Fetch standard § CORS protocol). A preflight is
 * answered here, before authentication (browsers send it without credentials); a preflight from any
 * other origin is a 403. Actual requests from an allowed origin get {@code
 * Access-Control-Allow-Origin}; from others, nothing, so the browser withholds the response.
 */
@Filter("/**")
final class ConsoleCorsFilter implements HttpServerFilter {

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

  @Override
  public Publisher<MutableHttpResponse<?>> doFilter(
      HttpRequest<?> request, ServerFilterChain chain) {
    String origin = request.getHeaders().get(HttpHeaders.ORIGIN);
    if (origin == null) {
      return chain.proceed(request);
    }
    boolean allowed = origins.contains(origin);
    String requestedMethod = request.getHeaders().get(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD);
    if (request.getMethod() == HttpMethod.OPTIONS && requestedMethod != null) {
      return Mono.just(preflight(request, origin, allowed, requestedMethod));
    }
    if (!allowed) {
      return chain.proceed(request);
    }
    return Mono.from(chain.proceed(request))
        .map(
            response -> {
              response.getHeaders().set(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
              response.getHeaders().add(HttpHeaders.VARY, HttpHeaders.ORIGIN);
              response.getHeaders().set(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS, exposeHeaders);
              return response;
            });
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
