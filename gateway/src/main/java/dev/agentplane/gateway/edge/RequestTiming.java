package dev.agentplane.gateway.edge;

import io.micronaut.http.HttpRequest;

/** What the inner filters learn about a request (its route, the upstream's latency) for the log. */
public final class RequestTiming {

  private static final String ROUTE = "agentplane.gateway.route";
  private static final String UPSTREAM_NANOS = "agentplane.gateway.upstreamNanos";

  private RequestTiming() {}

  public static void routeTo(HttpRequest<?> request, String route) {
    request.setAttribute(ROUTE, route);
  }

  /** Time from sending the request upstream to the upstream's response headers (or failure). */
  public static void upstreamAnswered(HttpRequest<?> request, long nanos) {
    request.setAttribute(UPSTREAM_NANOS, nanos);
  }

  static String route(HttpRequest<?> request) {
    return request.getAttribute(ROUTE, String.class).orElse("gateway");
  }

  static long upstreamNanos(HttpRequest<?> request) {
    return request.getAttribute(UPSTREAM_NANOS, Long.class).orElse(-1L);
  }
}
