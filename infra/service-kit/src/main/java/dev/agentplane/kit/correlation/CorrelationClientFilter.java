package dev.agentplane.kit.correlation;

import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.annotation.ClientFilter;
import io.micronaut.http.annotation.RequestFilter;

/** Forwards the current request id and trace context on every outgoing HTTP call. */
@ClientFilter(ClientFilter.MATCH_ALL_PATTERN)
final class CorrelationClientFilter {

  @RequestFilter
  void propagate(MutableHttpRequest<?> request) {
    Correlation.outgoingHeaders()
        .forEach(
            (name, value) -> {
              if (!request.getHeaders().contains(name)) {
                request.header(name, value);
              }
            });
  }
}
