package dev.agentplane.kit.correlation;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.MDC;

/** Shows what a controller sees of the correlation context, and what it forwards downstream. */
@Controller("/correlation")
@Secured(SecurityRule.IS_AUTHENTICATED)
class CorrelationProbeController {

  private final HttpClient client;

  CorrelationProbeController(@Client("/") HttpClient client) {
    this.client = client;
  }

  @Get("/mdc")
  Map<String, String> mdc() {
    Map<String, String> mdc = MDC.getCopyOfContextMap();
    return mdc == null ? Map.of() : mdc;
  }

  @Get("/headers")
  Map<String, String> headers(HttpHeaders headers) {
    Map<String, String> seen = new HashMap<>();
    headers.findFirst(Correlation.REQUEST_ID_HEADER).ifPresent(v -> seen.put("requestId", v));
    headers.findFirst(Correlation.TRACEPARENT_HEADER).ifPresent(v -> seen.put("traceparent", v));
    return seen;
  }

  /** Calls {@link #headers} over real HTTP, forwarding only the caller's token itself. */
  @Get("/forward")
  @SuppressWarnings("unchecked")
  Map<String, String> forward(HttpHeaders headers) {
    return client
        .toBlocking()
        .retrieve(
            HttpRequest.GET("/correlation/headers")
                .header(HttpHeaders.AUTHORIZATION, headers.getAuthorization().orElseThrow()),
            Map.class);
  }
}
